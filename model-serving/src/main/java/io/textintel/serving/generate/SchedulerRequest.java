package io.textintel.serving.generate;

/** A request as it waits in the engine's inbox for the scheduler thread: a generation or a continuation request. */
interface SchedulerRequest {
}
