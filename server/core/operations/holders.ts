/** The claim owner the store records for one attempt (see OperationStore.claim). */
export const claimOwnerOf = (workerId: string, attempt: number) => `${workerId}#${attempt}`;

/** The holder id of one attempt's locks: a resumed attempt's tokens are higher than a dead one's. */
export const lockHolderOf = (operationId: string, attempt: number) => `op:${operationId}#${attempt}`;
