package io.textintel.jobs.demo;

/**
 * How many drift windows raised an alarm, before the demo's drift phase and during it.
 *
 * @param alarmsBefore windows before the drift phase with at least one drifted statistic
 * @param windowsBefore windows before the drift phase
 * @param alarmsDuring windows of the drift phase with at least one drifted statistic
 * @param windowsDuring windows of the drift phase
 */
public record DriftAlarms(int alarmsBefore, int windowsBefore, int alarmsDuring, int windowsDuring) {}
