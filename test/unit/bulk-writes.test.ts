import { bulkWriteInSmallCommands, COMMANDS_AT_ONCE, STATEMENTS_PER_COMMAND } from '../../src/db/bulk-writes';

type Op = { updateOne: { filter: { _id: string }; update: { $set: { n: number } } } };
const op = (_id: string, n: number): Op => ({ updateOne: { filter: { _id }, update: { $set: { n } } } });

/** A model that records each command and holds it until released, to see what runs at once. */
function recordingModel() {
  const commands: Op[][] = [];
  let running = 0;
  let most = 0;
  const releases: (() => void)[] = [];
  return {
    commands,
    most: () => most,
    releaseAll: () => releases.splice(0).forEach((r) => r()),
    pending: () => releases.length,
    async bulkWrite(ops: Op[]) {
      commands.push(ops);
      running++;
      most = Math.max(most, running);
      await new Promise<void>((r) => releases.push(r));
      running--;
      return { modifiedCount: ops.length };
    },
  };
}

async function until(cond: () => boolean) {
  while (!cond()) await new Promise((r) => setImmediate(r));
}

describe('bulkWriteInSmallCommands', () => {
  it('writes in small commands, a few at a time, and adds up what they modified', async () => {
    const model = recordingModel();
    const n = STATEMENTS_PER_COMMAND * (COMMANDS_AT_ONCE + 1) + 2;
    const ops = Array.from({ length: n }, (_, i) => op(`id${i}`, i));
    const done = bulkWriteInSmallCommands(model, ops);
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished) {
      await until(() => model.pending() > 0 || finished);
      model.releaseAll();
    }
    expect(await done).toBe(n);
    expect(model.commands.map((c) => c.length)).toEqual([
      ...Array.from({ length: COMMANDS_AT_ONCE + 1 }, () => STATEMENTS_PER_COMMAND),
      2,
    ]);
    expect(model.commands.flat()).toEqual(ops);
    expect(model.most()).toBe(COMMANDS_AT_ONCE);
  });

  it('keeps the operations on one _id in one command, in their order', async () => {
    const model = recordingModel();
    const ops = [
      op('a', 1),
      ...Array.from({ length: 10 }, (_, i) => op(`x${i}`, i)),
      op('a', 2),
      op('x9', 3),
      op('a', 3),
    ];
    const done = bulkWriteInSmallCommands(model, ops);
    for (;;) {
      await until(() => model.pending() > 0);
      model.releaseAll();
      if (model.commands.flat().length === ops.length) break;
    }
    await done;
    const holding = (id: string) =>
      model.commands.filter((c) => c.some((o) => o.updateOne.filter._id === id));
    expect(holding('a')).toHaveLength(1);
    expect(
      holding('a')[0]!
        .filter((o) => o.updateOne.filter._id === 'a')
        .map((o) => o.updateOne.update.$set.n),
    ).toEqual([1, 2, 3]);
    expect(holding('x9')).toHaveLength(1);
  });
});
