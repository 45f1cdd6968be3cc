import path from 'node:path';
import { replayRecordedHistories } from '../helpers/replay';

/**
 * Histories of message workflows recorded by the message integration tests on the real stack
 * before the workflow became MessageRun (fixtures/message-histories, one per path: delivered then
 * read, a status before sent, a failed status after sent, callbacks, the follow timing out, a
 * gateway send that is not followed, a wait for the sender's permit, transient rounds, an outage,
 * expired, a permanent failure, input the database refused, a cancel in line and between rounds).
 * Running messages hold such histories: a change in the order of the workflow's activities, local
 * activities, timers or search-attribute upserts fails here rather than in production.
 */
const dir = path.join(__dirname, 'fixtures', 'message-histories');

it('the message workflow replays every recorded history without a nondeterminism error', async () => {
  const { count, failed } = await replayRecordedHistories(dir);
  expect(count).toBeGreaterThan(0);
  expect(failed).toEqual([]);
});
