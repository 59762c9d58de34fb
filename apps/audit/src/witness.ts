import { createPrivateKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Checkpoint, cosignatureSigner, cosignatureVerifierKey, ProofError, toHex } from '@samverkan/ledger';
import { Command, errorMessage, EXIT_FAILED, EXIT_OK, parseCommand, UsageError } from './cli';
import { proveConsistent, serverToken } from './consistency-proof';
import { describeCheckpoint, OpenedCheckpoint, openCheckpointFile, readInputFile, readVerifierKey } from './inputs';
import { WitnessState, WitnessStateError } from './witness-state';

export const witnessUsage = `usage: samverkan-audit witness --state <dir> --key <witness private key file> --name <witness name>
                               --log-key <ledger verifier key, or a file holding it> <checkpoint-file>
                               [--proof <file> | --server <url> [--token <jwt>]]

Cosigns a checkpoint of the ledger after checking it as a C2SP tlog-witness does: the log's signature; then,
against the last checkpoint this witness accepted for the same origin (kept in --state): the same size needs
the same root, a smaller size is refused, a larger size needs a consistency proof from the stored one (from
--proof, or fetched from --server). The first checkpoint of an origin is accepted on trust. The state is saved
durably before the cosignature/v1 line is printed on stdout. --key is an Ed25519 PKCS#8 PEM (see witness-key).`;

export const witnessKeyUsage = `usage: samverkan-audit witness-key --name <witness name> --out <private key file>

Creates an Ed25519 witness key, writes its private half to --out (PKCS#8 PEM, mode 0600, never overwriting a
file) and prints the witness's verifier key (type cosignature/v1) for those who will check its cosignatures.`;

export const witness: Command = async (args, io) => {
  const cli = parseCommand(args, {
    usage: witnessUsage,
    options: {
      state: { type: 'string' },
      key: { type: 'string' },
      name: { type: 'string' },
      'log-key': { type: 'string' },
      proof: { type: 'string' },
      server: { type: 'string' },
      token: { type: 'string' },
    },
    required: ['state', 'key', 'name', 'log-key'],
    positionals: [1, 1],
  });
  if (cli.help) {
    io.out(witnessUsage);
    return EXIT_OK;
  }
  if (cli.values.proof && cli.values.server) throw new UsageError('give either --proof or --server, not both', witnessUsage);
  const [file] = cli.positionals;
  const signer = (() => {
    const privateKey = readWitnessKey(cli.values.key!);
    try {
      return cosignatureSigner(cli.values.name!, privateKey);
    } catch (error) {
      throw new UsageError(`--name ${JSON.stringify(cli.values.name)} cannot name a witness key: ${errorMessage(error)}`);
    }
  })();
  const logKey = readVerifierKey(cli.values['log-key']!, '--log-key');
  const note = readInputFile(file, 'the checkpoint');
  const refuse = (why: string) => {
    io.err(`refused ${why}`);
    return EXIT_FAILED;
  };

  let offered: OpenedCheckpoint;
  try {
    offered = openCheckpointFile(file, note, logKey.verifier);
  } catch (error) {
    return refuse(`${describeCheckpoint(file)}: it is not a checkpoint signed by the log key ${logKey.text}: ${errorMessage(error)}`);
  }
  const { checkpoint } = offered;
  const subject = describeCheckpoint(file, checkpoint);
  if (checkpoint.origin !== logKey.verifier.name) {
    // The witness vouches for one log, identified by its origin; the ledger names its key after it.
    return refuse(`${subject}: it is of log ${checkpoint.origin}, but this witness checks log ${logKey.verifier.name} (the name of --log-key)`);
  }

  const state = new WitnessState(cli.values.state!);
  try {
    return await state.locked(checkpoint.origin, async () => {
      const stored = state.read(checkpoint.origin);
      if (!stored) {
        io.err(`trust on first use: no checkpoint of ${checkpoint.origin} was accepted before; accepting ${subject} as the first`);
      } else {
        const previous: Checkpoint = { origin: stored.origin, size: stored.size, root: Buffer.from(stored.root, 'base64'), extensions: [] };
        const was = `the stored checkpoint of ${stored.origin} (size ${stored.size}, root ${toHex(previous.root)}, accepted ${stored.acceptedAt})`;
        if (checkpoint.size < previous.size) {
          return refuse(`${subject}: it is smaller than ${was}; a log never shrinks`);
        }
        if (checkpoint.size === previous.size && !checkpoint.root.equals(previous.root)) {
          return refuse(
            `${subject}: it has the size of ${was} but another root: the log forked (expected root ${toHex(previous.root)}, found ${toHex(checkpoint.root)})`,
          );
        }
        try {
          const how = await proveConsistent(previous, checkpoint, {
            file: cli.values.proof,
            server: cli.values.server,
            token: serverToken(cli.values.token, io),
          });
          io.err(`accepted ${subject}: it extends ${was}: ${how}`);
        } catch (error) {
          if (error instanceof UsageError) throw error;
          const reason = error instanceof ProofError ? `${error.reason}: ` : '';
          return refuse(`${subject}: it is not proven to extend ${was}: ${reason}${errorMessage(error)}`);
        }
      }
      if (!stored || stored.size !== checkpoint.size) state.write(checkpoint, note, new Date());
      io.out(signer.cosign(offered.body, io.now()).replace(/\n$/, ''));
      return EXIT_OK;
    });
  } catch (error) {
    if (error instanceof WitnessStateError) return refuse(`${subject}: ${error.message}`);
    throw error;
  }
};

export const witnessKey: Command = async (args, io) => {
  const cli = parseCommand(args, {
    usage: witnessKeyUsage,
    options: { name: { type: 'string' }, out: { type: 'string' } },
    required: ['name', 'out'],
    positionals: [0, 0],
  });
  if (cli.help) {
    io.out(witnessKeyUsage);
    return EXIT_OK;
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  let vkey: string;
  try {
    vkey = cosignatureVerifierKey(cli.values.name!, privateKey);
  } catch (error) {
    throw new UsageError(`--name ${JSON.stringify(cli.values.name)} cannot name a witness key: ${errorMessage(error)}`, witnessKeyUsage);
  }
  try {
    writeFileSync(cli.values.out!, privateKey.export({ format: 'pem', type: 'pkcs8' }), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    throw new UsageError(`cannot write the key to ${cli.values.out}: ${errorMessage(error)}`, witnessKeyUsage);
  }
  io.err(`wrote the private key of witness ${cli.values.name} to ${cli.values.out}; its verifier key is:`);
  io.out(vkey);
  return EXIT_OK;
};

function readWitnessKey(file: string): KeyObject {
  const pem = readInputFile(file, 'the witness key');
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new UsageError(`the witness key ${file} is not a private key in PEM: ${errorMessage(error)}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new UsageError(`the witness key ${file} is ${key.asymmetricKeyType}, not Ed25519`);
  }
  return key;
}
