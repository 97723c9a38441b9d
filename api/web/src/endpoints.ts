/** The server's live endpoint, on the page's own host: the app and GraphiQL share it. */
export function socketUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql/ws`
}
