// Import targets as the wizard's column menus show them, and why two customers look like one.
import type { DuplicateReason } from "../api/bindings/DuplicateReason";
import type { Field } from "../api/bindings/Field";
import type { Target } from "../api/bindings/Target";

/** The fields a column can fill, in the order the menu lists them. */
export const FIELDS: Field[] = [
  "name",
  "company",
  "title",
  "industry",
  "company_size",
  "region",
  "source",
  "grade",
  "stage",
  "colour",
  "birthday",
];

/** The simple (keyless) targets after the fields. */
export const SIMPLE_TARGETS = [
  "given_name",
  "family_name",
  "phone",
  "email",
  "wechat",
  "address",
  "address_part",
  "tags",
  "note",
  "ignore",
] as const;

/** A target as one `<select>` value: `field:name`, `phone`, `custom`… */
export function targetValue(target: Target): string {
  if (target.to === "field") return `field:${target.key}`;
  return target.to;
}

/** The target a menu value stands for; `custom` takes the column's header as its name. */
export function targetFrom(value: string, header: string): Target {
  if (value.startsWith("field:")) return { to: "field", key: value.slice(6) as Field };
  if (value === "custom") return { to: "custom", key: header.trim() };
  return { to: value } as Target;
}

/** A duplicate's reason as the message key and the value it names. */
export function reasonKey(reason: DuplicateReason): { key: string; value: string } {
  switch (reason.kind) {
    case "phone":
      return { key: "reason.phone", value: reason.value };
    case "email":
      return { key: "reason.email", value: reason.value };
    case "name_and_company":
      return { key: "reason.name_and_company", value: "" };
    default:
      return { key: "reason.similar_name", value: "" };
  }
}
