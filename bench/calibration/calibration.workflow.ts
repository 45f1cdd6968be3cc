import {
  condition,
  defineSignal,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { CalibrationActivities } from './calibration.activities';

/** The bench's bare calibration (issue 14 (a)): what one tracked message costs at the least. */
export const deliveredSignal = defineSignal<[]>('delivered');

const db = proxyLocalActivities<CalibrationActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', maximumInterval: '5s' },
});
const provider = proxyActivities<CalibrationActivities>({
  startToCloseTimeout: '30s',
  heartbeatTimeout: '5s',
  retry: { initialInterval: '1s', maximumInterval: '30s', backoffCoefficient: 2 },
});

/** record (local activity) → send activity → record → wait for one `delivered` signal → record. */
export async function calibrationWorkflow(input: { id: string; n: number }): Promise<void> {
  let delivered = false;
  setHandler(deliveredSignal, () => void (delivered = true));
  await db.record({ id: input.id, status: 'queued' });
  const { wamid } = await provider.send(input);
  await db.record({ id: input.id, status: 'sent', wamid });
  await condition(() => delivered);
  await db.record({ id: input.id, status: 'delivered' });
}
