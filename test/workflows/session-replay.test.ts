import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { testEnv } from '../helpers/env';
import { testDataConverter } from '../helpers/temporal';

/**
 * Histories of session workflows recorded by the session tests on the real stack (fixtures/
 * session-histories, one per path: lifecycle, expiry, failed create, logout, events, carried
 * state, a replaced worker, a health-sweep restart). Running sessions hold such histories, so the
 * current code must replay each: a change in the order of the workflow's activities, timers or
 * search-attribute upserts fails here rather than in production. Payloads are sealed with the
 * test key ring.
 */
const dir = path.join(__dirname, 'fixtures', 'session-histories');

it('the session workflow replays every recorded history without a nondeterminism error', async () => {
  const histories = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({
      workflowId: f,
      history: historyFromJSON(JSON.parse(readFileSync(path.join(dir, f), 'utf8'))),
    }));
  expect(histories.length).toBeGreaterThan(0);
  const failed: string[] = [];
  for await (const r of Worker.runReplayHistories(
    { workflowBundle: { codePath: testEnv('TEST_WORKFLOW_BUNDLE') }, dataConverter: testDataConverter },
    histories,
  ))
    if (r.error) failed.push(`${r.workflowId}: ${r.error.message}`);
  expect(failed).toEqual([]);
});
