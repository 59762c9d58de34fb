import { mkdirSync, renameSync, statfsSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

export interface Row {
  readonly key: string;
  readonly value: number | null;
  readonly unit: string;
  readonly note?: string;
}

/** Filesystem magic numbers (statfs f_type) worth naming: fsync costs very different things on them. */
const FILESYSTEMS: Record<number, string> = {
  0xef53: 'ext4',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlayfs',
  0x65735546: 'fuse',
  0x6a656a63: 'virtiofs',
  0x2fc12fc1: 'zfs',
};

export function machineInfo() {
  const cores = cpus();
  let filesystem: string;
  try {
    const type = statfsSync(tmpdir()).type;
    filesystem = FILESYSTEMS[type] ?? `0x${type.toString(16)}`;
  } catch {
    filesystem = 'unknown';
  }
  return {
    node: process.version,
    platform: platform(),
    arch: arch(),
    osRelease: release(),
    cpus: cores.length,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    tmpdir: tmpdir(),
    tmpdirFilesystem: filesystem,
  };
}

export function formatTable(rows: readonly Row[]): string {
  const cells = rows.map((row) => [row.key, formatValue(row.value), row.unit, row.note ?? '']);
  const header = ['figure', 'value', 'unit', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => [c[0].padEnd(widths[0]), c[1].padStart(widths[1]), c[2].padEnd(widths[2]), c[3]].join('  ').trimEnd();
  const rule = widths.map((w, i) => '-'.repeat(i === 3 ? Math.max(4, w) : w)).join('  ');
  return [line(header), rule, ...cells.map(line)].join('\n');
}

function formatValue(value: number | null): string {
  if (value === null || Number.isNaN(value)) return 'n/a';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(Number.isInteger(value) ? 0 : 2);
}

/**
 * Writes a copy named by the run's date (colons replaced, so the name is valid everywhere) and, unless told
 * not to (a run of some phases only), latest.json. Returns the files written.
 */
export function writeResults(dir: string, date: Date, results: object, { latest = true } = {}): string[] {
  mkdirSync(dir, { recursive: true });
  const text = `${JSON.stringify(results, null, 2)}\n`;
  const files = [join(dir, `${date.toISOString().replace(/:/g, '-')}.json`), ...(latest ? [join(dir, 'latest.json')] : [])];
  for (const file of files) {
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  }
  return files;
}
