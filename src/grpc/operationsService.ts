// google.longrunning.Operations over TaskService: an operation is a task, operations/{id}.
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { NotFoundError, ValidationError } from '../errors.js';
import { maxWaitSeconds, type TaskService } from '../tasks/taskService.js';
import { unary, type CallEnvironment } from './calls.js';
import { pageRequest, parseOperationsFilter } from './listRequests.js';
import type {
  CancelOperationRequest, DeleteOperationRequest, Duration, Empty, GetOperationRequest, ListOperationsRequest, ListOperationsResponse,
  Operation, WaitOperationRequest,
} from './messages.js';
import { taskIdOf } from './names.js';
import { operationMessage } from './representations.js';

/** WaitOperation's timeout in ms: unset is the maximum (30 s), more is cut to it (the spec lets the server wait less). */
export function waitTimeoutMs(timeout: Duration | null, deadline: Date | null): number {
  let ms = maxWaitSeconds * 1000;
  if (timeout) {
    const given = Number(timeout.seconds) * 1000 + timeout.nanos / 1e6;
    if (!Number.isFinite(given) || given < 0) throw new ValidationError([{ field: 'timeout', message: 'must not be negative' }]);
    ms = Math.min(ms, given);
  }
  // The client stops listening at its deadline: answer a little before it (the answer must still travel).
  if (deadline) ms = Math.min(ms, Math.max(0, deadline.getTime() - Date.now() - 200));
  return ms;
}

export function operationsService(tasks: TaskService, env: CallEnvironment): UntypedServiceImplementation {
  return {
    GetOperation: unary<GetOperationRequest, Operation>(env, 'GetOperation', async ({ name }, { caller }) =>
      operationMessage(await tasks.getTask(caller, taskIdOf(name)), tasks)),

    ListOperations: unary<ListOperationsRequest, ListOperationsResponse>(env, 'ListOperations', async (request, { caller }) => {
      if (request.name !== '' && request.name !== 'operations') {
        throw new ValidationError([{ field: 'name', message: 'must be "operations" or empty' }]);
      }
      const page = await tasks.listTasks(caller, parseOperationsFilter(request.filter), pageRequest(request.page_size, request.page_token));
      return { operations: page.items.map((task) => operationMessage(task, tasks)), next_page_token: page.nextCursor ?? '' };
    }),

    CancelOperation: unary<CancelOperationRequest, Empty>(env, 'CancelOperation', async ({ name }, { caller }) => {
      await tasks.cancelTask(caller, taskIdOf(name));
      return {};
    }),

    DeleteOperation: unary<DeleteOperationRequest, Empty>(env, 'DeleteOperation', async ({ name }, { caller }) => {
      await tasks.removeTask(caller, taskIdOf(name));
      return {};
    }),

    WaitOperation: unary<WaitOperationRequest, Operation>(env, 'WaitOperation', async ({ name, timeout }, { caller, signal, deadline }) => {
      const id = taskIdOf(name);
      const task = await tasks.waitForTask(caller, id, waitTimeoutMs(timeout, deadline), signal);
      if (!task) throw new NotFoundError('task', id);
      return operationMessage(task, tasks);
    }, { long: true }),
  };
}
