// Reading one config file as YAML, with errors that name the file and position but never quote
// the offending line, which may hold a secret.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { ParseError } from '../errors.js';
import { scrubText } from '../secrets/scrubber.js';

export function readYamlFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ParseError(`config: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  // The yaml package's messages say "at line N, column M" on their first line, then quote the
  // line itself: that quote may hold a secret (a half-written `password: "…`), so it is left out.
  const doc = YAML.parseDocument(text, { logLevel: 'silent' });
  const [first] = doc.errors;
  if (first) throw new ParseError(`config: ${file} is not valid YAML: ${firstLine(first.message)}`);
  try {
    return doc.toJS();
  } catch (error) {
    // e.g. an alias to an anchor that does not exist; these carry no position.
    throw new ParseError(`config: ${file} is not valid YAML: ${firstLine((error as Error).message)}`);
  }
}

function firstLine(message: string): string {
  return scrubText(message.split('\n')[0]?.trimEnd() ?? '');
}
