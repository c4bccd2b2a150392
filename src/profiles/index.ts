export { checkProfilePath, DEFAULT_PROFILE, loadProfile, profileFor, profileNameOf, profileNames, ProfileError, PROFILES_DIR } from './profile.js';
export type { ProfileValues } from './profile.js';
export { profileChoice, profileReads, profileValue } from './summary.js';
export type { ProfileChoice } from './summary.js';
export { profileTaskParameters } from './task-parameters.js';
