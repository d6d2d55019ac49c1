import type { EventBus, TaskListener } from './eventBus.js';
import type { TaskView } from '../tasks/taskTypes.js';

export class MemoryEventBus implements EventBus {
  private readonly listeners = new Map<string, Set<TaskListener>>();
  private readonly everything = new Set<TaskListener>();

  publish(task: TaskView): void {
    // Copy first: a listener may unsubscribe itself while we iterate.
    const set = this.listeners.get(task.id);
    if (set) for (const listener of [...set]) listener(task);
    for (const listener of [...this.everything]) listener(task);
  }

  subscribeAll(listener: TaskListener): () => void {
    this.everything.add(listener);
    return () => this.everything.delete(listener);
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
    this.everything.clear();
  }
}
