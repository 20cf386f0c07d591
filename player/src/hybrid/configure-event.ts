/**
 * Fired on a <hybrid-player> (bubbling to the document) with its options object, just before the player starts: the
 * embedding page's scripts may amend the options (never its URL). A module of its own, free of side effects, so the
 * harness that answers it from Node (infra/src/cohort/page-faults.ts) names the same event.
 */
export const configureEvent = 'hybrid-player-configure';
