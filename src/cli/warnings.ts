import { AnnotationMetadataEntryType } from "cdktf";
import type { IConstruct } from "constructs";

/** Warning annotations of the whole tree, as `warning: <message> [<construct path>]`, once each. */
export function collectWarnings(root: IConstruct): string[] {
  const lines = root.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === AnnotationMetadataEntryType.WARN)
        .map((m) => `warning: ${String(m.data)} [${c.node.path}]`),
    );
  return [...new Set(lines)];
}
