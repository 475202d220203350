// The bcrypt work of bcrypt-password-hasher.ts, in a worker thread: bcryptjs is
// pure JavaScript, and a cost-11 check holds a thread for about 0.1 s, which on
// the main thread would delay lock renewals and every request behind it
// (docs/security.md#sign-in-abuse). Plain JavaScript, so that Node loads it as
// it is under tsx and Vitest; `next build` copies it as is into
// .next/server/assets/ (the `new Worker(new URL(...))` in the hasher points
// there), and from there it loads bcryptjs from the project's node_modules.
// One task at a time: the synchronous functions, no setImmediate slicing.
import { parentPort, threadId } from "node:worker_threads";
import bcrypt from "bcryptjs";

parentPort.on("message", (task) => {
  try {
    const result = task.op === "hash" ? bcrypt.hashSync(task.password, task.cost) : bcrypt.compareSync(task.password, task.hash);
    parentPort.postMessage({ id: task.id, ok: true, result, threadId });
  } catch (error) {
    parentPort.postMessage({ id: task.id, ok: false, message: error instanceof Error ? error.message : String(error), threadId });
  }
});
