/**
 * The Terraform tier's environment: a terraform binary and a local provider mirror, both discovered
 * at run time (TERRAFORM_BIN / TF_PLUGIN_DIR, else PATH and a bounded search), never written in the repo.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";

const AWS_PROVIDER = join("registry.terraform.io", "hashicorp", "aws");

function isMirror(dir: string): boolean {
  return existsSync(join(dir, AWS_PROVIDER));
}

/** TF_PLUGIN_DIR, else the first folder (up to three levels below /) holding hashicorp/aws. */
export function findPluginMirror(): string | undefined {
  const fromEnv = process.env.TF_PLUGIN_DIR;
  if (fromEnv) return isMirror(fromEnv) ? fromEnv : undefined;
  const skip = new Set(["/proc", "/sys", "/dev", "/run", "/tmp", "/var/lib", "/work"]);
  let level = ["/"];
  for (let depth = 0; depth < 3; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let entries: string[];
      try {
        entries = readdirSync(dir);
      } catch {
        continue;
      }
      for (const entry of entries) {
        const path = join(dir, entry);
        if (skip.has(path) || entry === "node_modules" || entry.startsWith(".")) continue;
        try {
          if (!statSync(path).isDirectory()) continue;
        } catch {
          continue;
        }
        if (isMirror(path)) return path;
        next.push(path);
      }
    }
    level = next;
  }
  return undefined;
}

export function findTerraform(): string | undefined {
  const candidates = process.env.TERRAFORM_BIN
    ? [process.env.TERRAFORM_BIN]
    : (process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, "terraform"));
  return candidates.find((c) => existsSync(c));
}

export interface TerraformTier {
  readonly terraform: string;
  readonly mirror: string;
}

/** The tier's tools, or the reason it cannot run (printed loudly by the tests that skip). */
export function terraformTier(): TerraformTier | { readonly skipReason: string } {
  const terraform = findTerraform();
  if (!terraform) return { skipReason: "no terraform binary (set TERRAFORM_BIN or put terraform on PATH)" };
  const mirror = findPluginMirror();
  if (!mirror) return { skipReason: `no provider mirror holding ${AWS_PROVIDER} (set TF_PLUGIN_DIR)` };
  return { terraform, mirror };
}
