import { HostCollector, type HostCollectorOptions, hostSampleBetween } from '../collect/host/collector.js';
import type { HostSnapshot } from '../collect/host/snapshot.js';
import type { SampleInput } from '../columns.js';
import { nodeRow, type RowIdentity } from '../rows/node-row.js';
import type { AgentLog, SampleSource } from './agent.js';

/** The host as an agent source: one host row per tick, rates against the previous tick. */
export class HostSource implements SampleSource {
  readonly name = 'host';
  readonly countsAsSample = true;
  readonly intervalSeconds: number;
  #collector: HostCollector;
  #previous: HostSnapshot | null = null;
  #identity: RowIdentity;
  #log: AgentLog;
  #warned = new Set<string>();

  constructor(options: HostCollectorOptions & RowIdentity & { intervalSeconds: number; log: AgentLog }) {
    this.intervalSeconds = options.intervalSeconds;
    this.#collector = HostCollector.open(options);
    this.#identity = { nodeName: options.nodeName, master: options.master };
    this.#log = options.log;
    // Said once at start: an include list that matches nothing leaves its columns NULL every tick.
    for (const line of this.#collector.unmatchedIncludes()) this.#log.warn(line);
  }

  async prime(): Promise<void> {
    this.#previous = this.#collector.snapshot();
  }

  async collect(): Promise<SampleInput[]> {
    const current = this.#collector.snapshot();
    const previous = this.#previous ?? current;
    this.#previous = current;
    const sample = hostSampleBetween(previous, current);
    for (const error of sample.errors) {
      // A file that cannot be read usually stays so: say it once, not every tick.
      if (!this.#warned.has(error))
        this.#log.warn({ err: error }, 'host file unreadable; its columns are NULL');
      this.#warned.add(error);
    }
    return [nodeRow(sample, this.#identity, this.intervalSeconds)];
  }

  close(): void {
    this.#collector.close();
  }
}
