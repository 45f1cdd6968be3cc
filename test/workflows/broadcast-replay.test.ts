import path from 'node:path';
import { replayRecordedHistories } from '../helpers/replay';

/**
 * Histories of broadcast workflows recorded by the broadcast tests on the real stack before the
 * workflow was split (fixtures/broadcast-histories: completed; callbacks swept while sending, then
 * followed; paused mid-chunk; paused, resumed and cancelled; a worker killed mid-broadcast, then
 * completed). Running broadcasts hold such histories: a change in the order of the workflow's
 * activities, local activities, timers, updates or search-attribute upserts fails here rather than
 * in production.
 */
const dir = path.join(__dirname, 'fixtures', 'broadcast-histories');

it('the broadcast workflow replays every recorded history without a nondeterminism error', async () => {
  const { count, failed } = await replayRecordedHistories(dir);
  expect(count).toBe(5);
  expect(failed).toEqual([]);
});
