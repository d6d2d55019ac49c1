// What a newcomer sees in the first tab: a query that runs as it is, and how to go further.
// Lines stay short: the operation editor is about 55 characters wide on a laptop screen.
export const defaultQuery = `# longrun GraphQL playground
# Run: Ctrl+Enter or the ▶ button. Docs: the book
# icon at the top left (every type and field).
#
# Authentication on (API_KEYS, JWT_*)? Open Headers
# below and enter {"Authorization": "Bearer <key>"};
# it goes with queries and with subscriptions.
#
# Start a render:
#   mutation { createVideoTask(input: {title: "Movie",
#     plot: "A plot", durationSeconds: 5}) { id status } }
# Follow it live:
#   subscription { taskUpdated(id: "<task id>") {
#     status stage progress version } }

query RecentTasks {
  tasks(first: 10) {
    nodes {
      id
      kind
      status
      stage
      progress
      createdAt
      video {
        title
        contentUrl
      }
    }
  }
}
`;
