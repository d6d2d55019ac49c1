import type { TaskService } from '../tasks/taskService.js';

export interface GraphQLContext {
  tasks: TaskService;
}
