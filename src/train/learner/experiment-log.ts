import type { ArtifactStore } from '../../store/base';

/** Where experiment log lines go besides the file (the renderer). */
export type LogListener = (line: string) => void;

/** `experiment.log`: timestamped INFO/WARN/ERROR lines about config, backend, epochs, checkpoints. */
export class ExperimentLog {
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ArtifactStore,
    private readonly listener: LogListener = () => {},
  ) {}

  /** Appends a line; writes stay in order. `echo: false` keeps it out of the renderer. */
  write(level: 'INFO' | 'WARN' | 'ERROR', target: string, message: string, echo = true): Promise<void> {
    const line = `${new Date().toISOString()} ${level} kiln::${target}: ${message}`;
    if (echo) this.listener(line);
    this.writing = this.writing.then(() => this.store.append('experiment.log', `${line}\n`));
    return this.writing;
  }

  /** An INFO line. */
  info(target: string, message: string): Promise<void> {
    return this.write('INFO', target, message);
  }

  /** Waits for every line to be written. */
  flush(): Promise<void> {
    return this.writing;
  }
}
