export { ALUA_ANY_STATE, ALUA_STANDBY_OK, ALUA_ACTIVE_ONLY, ALUA_STATE_CODE, aluaCheck } from './access-state.js';
