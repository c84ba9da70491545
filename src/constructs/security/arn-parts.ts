import { Fn } from "cdktf";

/** Partition, region and account of an ARN held in a Terraform reference, with no API lookup. */
export function arnParts(arn: string): { partition: string; region: string; account: string } {
  const part = (i: number) => Fn.element(Fn.split(":", arn), i);
  return { partition: part(1), region: part(3), account: part(4) };
}
