/** The instance's own organisation: it sees every domain (the command line acts for it; operators own it). */
export { DEFAULT_ORGANIZATION_ID } from '../../store/store.js';
