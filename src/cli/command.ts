/**
 * Runs a command of the CLI: `check` parses its flags and checks its paths before the heavy part
 * loads (seconds of tfjs), so a bad one is answered at once: `<name>: <message>` and status 2.
 * Then `run` loads and does the work; its failure is `<name>: <message>` and status 1.
 */
export async function command<A>(name: string, check: () => Promise<A>, run: (args: A) => Promise<unknown>): Promise<void> {
  let args: A;
  try {
    args = await check();
  } catch (e) {
    console.error(`${name}: ${(e as Error).message}`);
    process.exit(2);
  }
  await run(args).catch((e: Error) => {
    console.error(`${name}: ${e.message}`);
    process.exit(1);
  });
}
