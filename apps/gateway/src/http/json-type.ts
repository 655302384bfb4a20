/** Content type of every JSON answer, including stored JSON sent as bytes. */
export const JSON_TYPE = 'application/json; charset=utf-8';
