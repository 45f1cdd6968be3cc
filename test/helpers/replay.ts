import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { testEnv } from './env';
import { testDataConverter } from './temporal';

/**
 * Replays every history recorded in `dir` (one JSON file each, payloads sealed with the test key
 * ring) on the run's workflow bundle: how many there were, and each one's nondeterminism error.
 */
export async function replayRecordedHistories(dir: string): Promise<{ count: number; failed: string[] }> {
  const histories = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({
      workflowId: f,
      history: historyFromJSON(JSON.parse(readFileSync(path.join(dir, f), 'utf8'))),
    }));
  const failed: string[] = [];
  for await (const r of Worker.runReplayHistories(
    { workflowBundle: { codePath: testEnv('TEST_WORKFLOW_BUNDLE') }, dataConverter: testDataConverter },
    histories,
  ))
    if (r.error) failed.push(`${r.workflowId}: ${r.error.message}`);
  return { count: histories.length, failed };
}
