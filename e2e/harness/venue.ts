/** The ingestion tests' venue stand-ins (a WebSocket venue and its REST history), reused here. */
export { HttpStandIn, VenueStandIn, type StandInSession } from '../../apps/ingestion/test/venue-stand-in';
