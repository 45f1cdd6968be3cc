import type { Connection } from 'mongoose';

/** The calibration's activities: one upsert into MongoDB, one POST to the Meta fake. */
export function createCalibrationActivities(opts: {
  mongo: Connection;
  metaUrl: string;
  phoneNumberId: string;
  token: string;
}) {
  const records = opts.mongo.collection('bench_calibration');
  return {
    async record(r: { id: string; status: string; wamid?: string }): Promise<void> {
      await records.updateOne(
        { _id: r.id as never },
        { $set: { status: r.status, [`${r.status}At`]: new Date(), ...(r.wamid ? { wamid: r.wamid } : {}) } },
        { upsert: true },
      );
    },
    async send(input: { id: string; n: number }): Promise<{ wamid: string }> {
      const res = await fetch(`${opts.metaUrl}/v23.0/${opts.phoneNumberId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          messaging_product: 'whatsapp',
          recipient_type: 'individual',
          to: `4916${String(100000000 + input.n)}`,
          type: 'text',
          text: { body: `calibration ${input.n}` },
          biz_opaque_callback_data: `calibration:${input.id}`,
        }),
      });
      if (!res.ok) throw new Error(`Meta fake answered ${res.status}`);
      const body = (await res.json()) as { messages: { id: string }[] };
      return { wamid: body.messages[0]?.id as string };
    },
  };
}

export type CalibrationActivities = ReturnType<typeof createCalibrationActivities>;
