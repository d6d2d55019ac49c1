import type { EventBus, TaskListener } from './eventBus.js';
import type { TaskView } from '../tasks/taskTypes.js';

export class MemoryEventBus implements EventBus {
  private readonly listeners = new Map<string, Set<TaskListener>>();

  publish(task: TaskView): void {
    const set = this.listeners.get(task.id);
    if (!set) return;
    // Copy first: a listener may unsubscribe itself while we iterate.
    for (const listener of [...set]) listener(task);
  }

  subscribe(taskId: string, listener: TaskListener): () => void {
    let set = this.listeners.get(taskId);
    if (!set) {
      set = new Set();
      this.listeners.set(taskId, set);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(taskId);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.listeners.delete(taskId);
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
