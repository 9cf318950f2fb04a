/** Markdown inline code. */
export const inlineCode = (text: string): string => `\`${text}\``;

/** A row of a Markdown table; a `|` inside a cell is escaped. */
export const markdownRow = (cells: readonly string[]): string => `| ${cells.map(cell => cell.replaceAll('|', '\\|')).join(' | ')} |`;
