/**
 * The limits of config.yaml, apart from the modules that read it (they load the YAML library): `latchkey token`
 * checks the size before it decides whether it needs that library at all.
 */

/** A config file is a few kilobytes; anything this large is not one, and parsing it would waste memory. */
export const MAX_CONFIG_BYTES = 1_000_000;
/**
 * Aliases (`*name`) are legitimate YAML, but nested aliases expand exponentially ("billion laughs"). A
 * hand-written config never needs more than a handful.
 */
export const MAX_ALIAS_COUNT = 50;
