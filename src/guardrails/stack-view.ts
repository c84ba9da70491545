import type { Json, StackView, TerraformBlock } from "./rule";

/** Indexes a stack's Terraform JSON (as `TerraformStack.toTerraform()` returns it) for the rules. */
export function stackView(stack: string, json: Json): StackView {
  const blocks: TerraformBlock[] = [];
  for (const kind of ["resource", "data"] as const) {
    for (const [type, byName] of Object.entries<Json>(json[kind] ?? {})) {
      for (const [name, config] of Object.entries<Json>(byName)) {
        blocks.push({ kind, type, name, path: config["//"]?.metadata?.path ?? `${stack}/${name}`, config });
      }
    }
  }
  for (const [type, configs] of Object.entries<Json[]>(json.provider ?? {})) {
    configs.forEach((config, i) => {
      blocks.push({ kind: "provider", type, name: String(i), path: `${stack}/provider.${type}`, config });
    });
  }
  return {
    stack,
    blocks,
    ofType: (type, kind = "resource") => blocks.filter((b) => b.type === type && b.kind === kind),
    referenced: (target, byType, attribute) => {
      const prefix = target.kind === "data" ? "data." : "";
      const needle = `${prefix}${target.type}.${target.name}.`;
      return blocks.filter(
        (b) =>
          b.type === byType &&
          typeof b.config[attribute] === "string" &&
          b.config[attribute].includes(needle),
      );
    },
  };
}
