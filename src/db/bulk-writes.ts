/**
 * Statements per write command. FerretDB 1.24 keeps one PostgreSQL connection per update
 * statement of a command until the command ends (measured: a command of 20 updates held 21
 * connections, 45 held 46, and one of 60 wedged FerretDB for good at its pool of 50). So bulk
 * writes go in small commands, one after another, and few at a time per process.
 */
const STATEMENTS_PER_COMMAND = 8;
/** Bulk write commands in flight at once in this process (each may hold STATEMENTS_PER_COMMAND + 1). */
const COMMANDS_AT_ONCE = 2;

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
