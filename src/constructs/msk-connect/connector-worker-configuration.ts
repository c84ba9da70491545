import { createHash } from "node:crypto";
import { MskconnectWorkerConfiguration } from "@cdktf/provider-aws/lib/mskconnect-worker-configuration";
import { Construct } from "constructs";

export interface ConnectorWorkerConfigurationProps {
  /** The configuration's name for the first 8 hex digits of its content's sha256. */
  readonly name: (contentHash: string) => string;
  /** Worker properties; written sorted, one `key=value` per line. */
  readonly properties: Record<string, string>;
}

/**
 * An MSK Connect worker configuration named from its content hash: worker configurations can be neither
 * updated nor deleted, and re-creating one under the same name fails (terraform-provider-aws #36672), so
 * new content means a new name.
 */
export class ConnectorWorkerConfiguration extends Construct {
  readonly resource: MskconnectWorkerConfiguration;
  readonly content: string;

  constructor(scope: Construct, id: string, props: ConnectorWorkerConfigurationProps) {
    super(scope, id);
    // By UTF-16 code unit, not localeCompare: the order, hence the hash and the name, must not depend on the
    // synthesizing machine's ICU data (and the collator's start-up took ~10 ms of a synth).
    this.content = `${Object.entries(props.properties)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => `${key}=${value}`)
      .join("\n")}\n`;
    const hash = createHash("sha256").update(this.content).digest("hex").slice(0, 8);
    this.resource = new MskconnectWorkerConfiguration(this, "Resource", {
      name: props.name(hash),
      description: `Worker properties (sha256 ${hash}…)`,
      propertiesFileContent: this.content,
    });
  }
}
