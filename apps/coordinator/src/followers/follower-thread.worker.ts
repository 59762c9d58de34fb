import 'reflect-metadata';
import { INestApplicationContext, LoggerService } from '@nestjs/common';
import { parentPort, workerData } from 'node:worker_threads';
import { createFollowers } from '../bootstrap';
import { LedgerService } from '../ledger/ledger.service';
import { JsonLogger, jsonLog } from '../observability/logging';
import { Followers } from './follower-status';
import { Metrics } from '../observability/metrics';
import { FollowerMessage, FollowerQuestion, FollowerThreadData, ThreadLogging, toCrossing } from './follower-thread';

/** The follower thread (follower-thread.ts): the followers of the log as an application of their own, answering the API's thread. */
async function runFollowers({ config, logging }: FollowerThreadData): Promise<void> {
  const port = parentPort!;
  const tell = (message: FollowerMessage) => port.postMessage(message);
  let app: INestApplicationContext;
  try {
    app = await createFollowers({ config }, loggerFor(logging, config.logLevel));
  } catch (error) {
    tell({ failed: error instanceof Error ? error.message : String(error) });
    return;
  }
  const ledger = app.get(LedgerService);
  const followers = app.get(Followers);
  void ledger.whenHalted.then((halted) => tell({ halted }));
  // The process managers' commands are counted where /metrics is scraped.
  app.get(Metrics).onCommand((command) => tell({ command }));
  // Told once for the batches sealed within one turn of this thread's event loop.
  let sealedTold = false;
  ledger.reader.afterEachBatch(() => {
    if (sealedTold) return;
    sealedTold = true;
    setImmediate(() => {
      sealedTold = false;
      tell({ sealed: true });
    });
  });
  port.on('message', (message: FollowerQuestion | { stop: true }) => {
    if ('stop' in message) {
      void app.close().finally(() => port.close());
      return;
    }
    const answer = message.ask === 'status' ? followers.status({ lags: message.lags }) : ledger.checkpointNow();
    answer.then(
      (value) => tell({ id: message.id, answer: value }),
      (error: unknown) => tell({ id: message.id, error: toCrossing(error) }),
    );
  });
  tell({ ready: true });
}

function loggerFor(logging: ThreadLogging, level: string): LoggerService | false | Array<'log' | 'warn' | 'error'> {
  if (logging === 'json') return new JsonLogger(jsonLog(level));
  return logging === 'text' ? ['log', 'warn', 'error'] : ['error'];
}

void runFollowers(workerData as FollowerThreadData);
