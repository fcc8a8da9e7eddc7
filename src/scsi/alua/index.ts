export { ALUA_ANY_STATE, ALUA_NOT_TRANSITIONING, ALUA_STANDBY_OK, ALUA_ACTIVE_ONLY, aluaCheck } from './access-state.js';
export { isRoutable } from './routing.js';
