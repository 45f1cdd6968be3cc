/**
 * The calibration worker (bench/messages.ts (a)), a process of its own like the product's worker:
 * CAL_TEMPORAL_ADDRESS, CAL_TASK_QUEUE, CAL_MONGODB_URI, CAL_META_URL, CAL_PHONE_ID, CAL_TOKEN.
 * Prints "ready" once polling; stops on SIGTERM.
 */
import { NativeConnection, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import { connectMongo } from '../../src/db/connection';
import { createCalibrationActivities } from './calibration.activities';

async function main(): Promise<void> {
  const env = (k: string) => {
    const v = process.env[k];
    if (!v) throw new Error(`${k} is required`);
    return v;
  };
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const mongo = await connectMongo(env('CAL_MONGODB_URI'), { maxPoolSize: 20 });
  const connection = await NativeConnection.connect({ address: env('CAL_TEMPORAL_ADDRESS') });
  const worker = await Worker.create({
    connection,
    taskQueue: env('CAL_TASK_QUEUE'),
    workflowsPath: require.resolve('./calibration.workflow'),
    activities: createCalibrationActivities({
      mongo,
      metaUrl: env('CAL_META_URL'),
      phoneNumberId: env('CAL_PHONE_ID'),
      token: env('CAL_TOKEN'),
    }),
  });
  process.stdout.write('ready\n');
  await worker.run();
  await mongo.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`calibration worker failed: ${String(err)}\n`);
    process.exit(1);
  },
);
