/**
 * Statements per write command. FerretDB 1.24 keeps one PostgreSQL connection per update
 * statement of a command until the command ends (measured: a command of 20 updates held 21
 * connections, 45 held 46, and one of 60 wedged FerretDB for good at its pool of 50). So bulk
 * writes go in small commands, several at a time per process: a command's statements run one after
 * another, so the commands at once are the write's parallelism. Two processes writing so (worker and
 * API) hold at most 2 × 6 × 4 = 48 connections while each asks for one more: below the pool of 50,
 * one of them can always go on. (Broadcast at 1,000/s, 2,000 recipients: 48 sent/s with 2 commands
 * of 8, 72–76 with 4–6 of 4.)
 */
export const STATEMENTS_PER_COMMAND = 4;
/** Bulk write commands in flight at once in this process (each may hold STATEMENTS_PER_COMMAND + 1). */
export const COMMANDS_AT_ONCE = 6;

let running = 0;
const waiting: (() => void)[] = [];
async function slot(): Promise<() => void> {
  if (running >= COMMANDS_AT_ONCE) await new Promise<void>((r) => waiting.push(r));
  running++;
  return () => {
    running--;
    waiting.shift()?.();
  };
}

/** The `_id` an operation writes, when its filter or document names one. */
function idOf(op: unknown): unknown {
  const o = op as Record<string, { filter?: { _id?: unknown }; document?: { _id?: unknown } } | undefined>;
  const body = o.updateOne ?? o.replaceOne ?? o.deleteOne ?? o.insertOne;
  return body?.filter?._id ?? body?.document?._id;
}

/**
 * `Model.bulkWrite` in commands of a few statements (see above), up to COMMANDS_AT_ONCE of them at
 * once; the modified count of them all. Operations on one `_id` stay in one command, in their order
 * (FerretDB runs a command's statements one after another; two commands writing one document at once
 * would lose a write, its updates being read-modify-write).
 */
export async function bulkWriteInSmallCommands<Op>(
  model: { bulkWrite(ops: Op[], opts: { ordered: boolean }): Promise<{ modifiedCount: number }> },
  ops: Op[],
): Promise<number> {
  const commands: Op[][] = [];
  const commandOf = new Map<unknown, Op[]>();
  let filling: Op[] = [];
  for (const op of ops) {
    const id = idOf(op);
    const same = id === undefined ? undefined : commandOf.get(id);
    if (same) {
      same.push(op);
      continue;
    }
    if (filling.length === 0) commands.push(filling);
    filling.push(op);
    if (id !== undefined) commandOf.set(id, filling);
    if (filling.length >= STATEMENTS_PER_COMMAND) filling = [];
  }
  let modified = 0;
  await Promise.all(
    commands.map(async (command) => {
      const release = await slot();
      try {
        const res = await model.bulkWrite(command, { ordered: false });
        modified += res.modifiedCount;
      } finally {
        release();
      }
    }),
  );
  return modified;
}
