/**
 * The emulator's assistant: deterministic replies derived from the message, so tests can check
 * what reached the model. It reads the message as data and never follows anything in it.
 */

export interface ReplyOptions {
  /** Add `@user` and `@org/team` mentions, to test that the action neutralises them. */
  mentions?: boolean
  /** Pad the reply to this many characters, to test truncation. */
  hugeChars?: number
}

/** Paths named in a message: the action's `=== path` file lines and git's `diff --git` headers. */
export function filesIn(message: string): string[] {
  const files: string[] = []
  for (const line of message.split('\n')) {
    const ours = /^=== (.+?)(?: \((?:continued|[^)]*)\))?$/.exec(line)
    const git = /^diff --git a\/(.+) b\/(.+)$/.exec(line)
    const path = ours?.[1] ?? git?.[2]
    if (path !== undefined && !files.includes(path)) files.push(path)
  }
  return files
}

/** Diff lines (added, removed, context) in a message. */
export function diffLinesIn(message: string): number {
  let count = 0
  for (const line of message.split('\n')) {
    if (/^[+\- ]/.test(line) && !line.startsWith('+++ ') && !line.startsWith('--- ')) count += 1
  }
  return count
}

// Anchored at a line start so that the same words inside a diff line (`+`, `-`, ` `) are not read
// as the action's own request.
const SUMMARY_REQUEST = /^Now write the review of the whole pull request/m
const QUESTION = /^<question>\n([\s\S]*?)\n<\/question>$/m

export function reply(message: string, options: ReplyOptions = {}): string {
  const files = filesIn(message)
  const lines = diffLinesIn(message)
  const fileList = files.length > 0 ? files.map(f => `\`${f}\``).join(', ') : 'no files'
  let text: string
  const question = QUESTION.exec(message)?.[1]
  if (question !== undefined) {
    text = `Emulated answer to a question of ${question.length} characters, with ${files.length} file(s) of diff in this message.`
  } else if (SUMMARY_REQUEST.test(message)) {
    text = [
      '### Summary',
      `Emulated review: the last part held ${lines} diff line(s) in ${files.length} file(s): ${fileList}.`,
      '### Findings',
      files.length > 0 ? `- **minor** \`${files[0]}:1\` — emulated finding.` : 'No issues found.'
    ].join('\n')
  } else {
    text = `- notes: ${lines} diff line(s) in ${files.length} file(s): ${fileList}.`
  }
  if (options.mentions === true) text += '\n\ncc @octocat and @octo-org/reviewers, thanks @alice!'
  const huge = options.hugeChars ?? 0
  if (huge > text.length) {
    const filler = '\nfiller line of the emulated huge reply @octocat ✓'
    text += filler.repeat(Math.ceil((huge - text.length) / filler.length)).slice(0, huge - text.length)
  }
  return text
}
