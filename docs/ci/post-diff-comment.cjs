/**
 * Posts the change review as one pull request comment, or updates the one posted before: the
 * comment is found by the hidden marker the Markdown report carries. Called from the workflow
 * docs/ci/diff-comment.yml through actions/github-script (`github` is its Octokit client, `context`
 * the run's). `files`: the diff.md reports to post, in order; those that do not exist are skipped.
 * Returns what it did: 'created', 'updated' or 'nothing to post'.
 */
const fs = require('node:fs');

const MARKER = '<!-- mono-repo-secrets-docs:diff -->';
/** GitHub refuses a comment body over 65,536 characters. */
const LIMIT = 65_000;

module.exports = async function post({ github, context, files }) {
  const parts = files.filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f, 'utf8').trimEnd());
  if (parts.length === 0) return 'nothing to post';
  let body = parts.join('\n\n---\n\n');
  if (!body.includes(MARKER)) body = `${MARKER}\n${body}`;
  if (body.length > LIMIT) body = `${body.slice(0, LIMIT)}\n\n(cut: the full reports are in the job summary and the run's artifact)`;
  const { owner, repo } = context.repo;
  const issue_number = context.issue.number;
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  const mine = comments.find((c) => typeof c.body === 'string' && c.body.includes(MARKER) && c.user && c.user.type === 'Bot');
  if (mine) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
    return 'updated';
  }
  await github.rest.issues.createComment({ owner, repo, issue_number, body });
  return 'created';
};
