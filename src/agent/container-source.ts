import { ContainerSampler, type ContainerSamplerOptions } from '../collect/docker/index.js';
import type { SampleInput } from '../columns.js';
import type { SampleSource } from './agent.js';

/** The selected containers as an agent source: one row per running container per tick. */
export class ContainerSource implements SampleSource {
  readonly name = 'containers';
  readonly countsAsSample = false;
  readonly intervalSeconds: number;
  readonly #sampler: ContainerSampler;
  readonly #master: boolean;

  private constructor(sampler: ContainerSampler, intervalSeconds: number, master: boolean) {
    this.#sampler = sampler;
    this.intervalSeconds = intervalSeconds;
    this.#master = master;
  }

  /** Rejects with DockerUnavailableError when no engine answers. */
  static async open(options: ContainerSamplerOptions & { master: boolean }): Promise<ContainerSource> {
    return new ContainerSource(await ContainerSampler.open(options), options.intervalSeconds, options.master);
  }

  /** `docker-api` or `docker-cli`, and where. */
  get describe(): string {
    return `${this.#sampler.source} at ${this.#sampler.endpoint}`;
  }

  async prime(): Promise<void> {
    await this.#sampler.tick(); // the first readings: rates start from the first tick
  }

  async collect(): Promise<SampleInput[]> {
    const rows = await this.#sampler.tick();
    return rows.map((row) => ({ ...row, master_flag: this.#master }));
  }

  close(): void {
    this.#sampler.close();
  }
}
