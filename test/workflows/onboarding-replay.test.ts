import path from 'node:path';
import { replayRecordedHistories } from '../helpers/replay';

/**
 * Histories of onboarding workflows recorded by the onboarding tests on the real stack before the
 * workflow became OnboardingSaga (fixtures/onboarding-histories, one per path: Meta, 360dialog and
 * Twilio ready; a spent code, an exchange timed out, a step failed and the done ones undone, a
 * number another tenant holds, a channel not available, Twilio verification codes, a cancel, the
 * wait for ONLINE timing out, a rejected sender). Running onboardings hold such histories: a change
 * in the order of the saga's activities, local activities, timers or search-attribute upserts fails
 * here rather than in production.
 */
const dir = path.join(__dirname, 'fixtures', 'onboarding-histories');

it('the onboarding workflow replays every recorded history without a nondeterminism error', async () => {
  const { count, failed } = await replayRecordedHistories(dir);
  expect(count).toBeGreaterThan(0);
  expect(failed).toEqual([]);
});
