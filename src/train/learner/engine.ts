import type { BuiltEngine, EngineContext, EngineQuery, EngineRefusal, StepEngineFactory } from '../step/factory';

/** Which step engine a learner asks for (LearnerBuilder.engine): the first registered that builds, or one by name. */
export type EngineChoice = 'auto' | 'tfjs' | 'compiled';

/** The engine that trains, why (for the experiment log), and whether that deserves a warning. */
export interface ChosenEngine<B> extends BuiltEngine<B> {
  readonly warn: boolean;
}

/**
 * Picks the step engine from the registered factories. 'auto' tries them in order and the first
 * that builds trains; a named choice tries that engine first and falls back to the others with a
 * warning ('compiled' on a backend without WebGPU). The engine that trains says why: its own
 * reason, or why those tried before it refused.
 */
export async function chooseEngine<B>(choice: EngineChoice, factories: readonly StepEngineFactory[], context: EngineContext<B>): Promise<ChosenEngine<B>> {
  const named = factories.filter((f) => f.name === choice);
  const refusals: EngineRefusal[] = [];
  if (choice !== 'auto' && !named.length) refusals.push({ reason: `no ${choice} engine is registered`, warn: true });
  for (const factory of [...named, ...factories.filter((f) => f.name !== choice)]) {
    const built = await factory.create(context);
    if ('reason' in built) {
      refusals.push(built);
      continue;
    }
    const own = built.why || (factory.name === choice ? 'chosen' : factories.length === 1 ? 'the only engine registered' : 'registered first');
    const why = refusals.length ? refusals.map((r) => r.reason).join('; ') : own;
    const warn = refusals.some((r) => r.warn) || (choice !== 'auto' && factory.name !== choice);
    return { ...built, why, warn };
  }
  throw new Error(`no step engine can train this run: ${refusals.map((r) => r.reason).join('; ') || 'none is registered'}`);
}

/** The engine a run would get, and why: what `chooseEngine` would say, asked before the run (`refusal`). */
export async function plannedEngine(
  choice: EngineChoice,
  factories: readonly StepEngineFactory[],
  query: EngineQuery,
): Promise<{ engine: string; why: string }> {
  const named = factories.filter((f) => f.name === choice);
  const reasons: string[] = choice !== 'auto' && !named.length ? [`no ${choice} engine is registered`] : [];
  for (const factory of [...named, ...factories.filter((f) => f.name !== choice)]) {
    const reason = (await factory.refusal?.(query)) ?? null;
    if (reason === null) return { engine: factory.name, why: reasons.join('; ') };
    reasons.push(reason);
  }
  throw new Error(`no step engine can train this run: ${reasons.join('; ') || 'none is registered'}`);
}
