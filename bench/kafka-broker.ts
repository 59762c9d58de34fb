import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { bootstrapAddress, localScriptUnavailable } from '../test/kafka/kafka-broker';

/**
 * The broker the relay benchmark runs against: `KAFKA_BROKERS` when set, used as it is; else a broker of its
 * own from scripts/kafka-local.sh, with its state in `stateDir` rather than the repository's `.kafka/`, so
 * that it neither shares topics with a broker the tests run nor is stopped under them (nor they under it).
 */
export type BenchBroker =
  { readonly kind: 'env' | 'local'; readonly brokers: string[]; release(): Promise<void> } | { readonly kind: 'none'; readonly reason: string };

const root = resolve(__dirname, '..');
const script = join(root, 'scripts', 'kafka-local.sh');

/**
 * `onInterrupt` is given what must run, synchronously, if the run is interrupted: the broker runs detached
 * from this process (setsid), so it would outlive it, its state directory deleted under it.
 */
export async function acquireBroker(stateDir: string, progress: (text: string) => void, onInterrupt: (stop: () => void) => void): Promise<BenchBroker> {
  const fromEnv = (process.env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (fromEnv.length > 0) return { kind: 'env', brokers: fromEnv, release: async () => undefined };

  const unavailable = localScriptUnavailable();
  if (unavailable) return { kind: 'none', reason: `no KAFKA_BROKERS, and scripts/kafka-local.sh cannot start a broker: ${unavailable}` };

  const env = { ...process.env, KAFKA_LOCAL_DIR: stateDir };
  let starting: ChildProcess | undefined;
  let released = false;
  onInterrupt(() => {
    if (released) return;
    released = true;
    starting?.kill('SIGTERM');
    // Whatever the start got to: the state directory is this run's alone, so any broker in it is ours.
    spawnSync(script, ['stop'], { env, stdio: 'ignore', timeout: 60_000 });
  });
  const started = await runScript(['start'], env, progress, (child) => (starting = child));
  starting = undefined;
  if (started.code !== 0) return { kind: 'none', reason: `scripts/kafka-local.sh start failed (exit ${started.code}): ${lastLine(started.stderr)}` };
  const address = bootstrapAddress(started.stdout);
  if (!address) return { kind: 'none', reason: `scripts/kafka-local.sh start printed no address: ${lastLine(started.stdout)}` };
  // Only a broker this run started is stopped at the end (its state directory is new, so that is always so).
  const ours = /starting Kafka/.test(started.stderr);
  return {
    kind: 'local',
    brokers: [address],
    async release() {
      if (!ours || released) return;
      released = true;
      await runScript(['stop'], env, progress);
    },
  };
}

function runScript(
  args: string[],
  env: NodeJS.ProcessEnv,
  progress: (text: string) => void,
  spawned?: (child: ChildProcess) => void,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(script, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    spawned?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderr += text;
      for (const line of text.split('\n').filter(Boolean)) progress(line);
    });
    child.once('error', (error) => done({ code: -1, stdout, stderr: `${stderr}${error.message}` }));
    child.once('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

const lastLine = (text: string) => text.trim().split('\n').pop() ?? '';
