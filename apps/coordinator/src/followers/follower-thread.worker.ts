import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { parentPort, workerData } from 'node:worker_threads';
import { createFollowers } from '../bootstrap';
import { LedgerService } from '../ledger/ledger.service';
import { JsonLogger, jsonLog } from '../observability/logging';
import { Followers } from './follower-status';
import { Metrics } from '../observability/metrics';
import { FollowerMessage, FollowerQuestion, FollowerThreadData, toCrossing } from './follower-thread';

/** The follower thread (follower-thread.ts): the followers of the log as an application of their own, answering the API's thread. */
async function runFollowers({ config, quiet }: FollowerThreadData): Promise<void> {
  const port = parentPort!;
  const tell = (message: FollowerMessage) => port.postMessage(message);
  let app: INestApplicationContext;
  try {
    app = await createFollowers({ config }, quiet ? false : config.logFormat === 'json' ? new JsonLogger(jsonLog(config.logLevel)) : true);
  } catch (error) {
    tell({ failed: toCrossing(error) });
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

void runFollowers(workerData as FollowerThreadData);
