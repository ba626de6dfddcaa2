/** What a comment asks for, once it starts with the trigger phrase. */
export type Command = { kind: 'review' } | { kind: 'help' } | { kind: 'question'; question: string }

/**
 * Reads a `/codex …` command from a comment body; undefined when the body does not start with the
 * trigger phrase as a word of its own (`/codexfoo` and a phrase quoted further down are not commands).
 */
export function parseCommand(body: string, triggerPhrase: string): Command | undefined {
  const text = body.replace(/^\uFEFF/, '').trimStart()
  if (!text.toLowerCase().startsWith(triggerPhrase.toLowerCase())) return undefined
  const rest = text.slice(triggerPhrase.length)
  if (rest !== '' && !/^\s/.test(rest)) return undefined
  const args = rest.trim()
  const word = args.split(/\s+/, 1)[0]?.toLowerCase() ?? ''
  if (args === '' || (word === 'review' && args.length === word.length)) return { kind: 'review' }
  if (word === 'help' && args.length === word.length) return { kind: 'help' }
  return { kind: 'question', question: args }
}

/** The reply to `/codex help`. */
export function helpText(triggerPhrase: string): string {
  return [
    'Commands (on a pull request, by someone with the required repository permission):',
    '',
    `- \`${triggerPhrase}\` or \`${triggerPhrase} review\`: review the pull request (the review comment is updated in place).`,
    `- \`${triggerPhrase} <question>\`: ask about the pull request; the answer continues the review's session, so the diff is not paid for twice.`,
    `- \`${triggerPhrase} help\`: this message.`,
    '',
    "They work in a reply to one of the review's inline comments too: the help and the answer come in that thread, a question with the thread's file and line as context."
  ].join('\n')
}
