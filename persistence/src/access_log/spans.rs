use super::ledger::{OperationContext, Recorded};

/// The `tracing` target of the spans that copy access-log entries; a subscriber that does not
/// export traces turns it off, so the spans cost nothing there.
pub const PROCESSING_TARGET: &str = "maatwerk::processing";

/// What a resident's pseudonymous id is, for `dpl.core.data_subject_id_type`.
pub const DATA_SUBJECT_ID_TYPE: &str = "urn:maatwerk:resident";

/// Emits each durable entry as a span of the current trace, with the attribute names of the
/// Logboek Dataverwerkingen standard, so that a municipality's LDV collector receives a copy
/// through the trace exporter. Called only after the entries are committed: a span never
/// reports a processing the log does not hold.
pub fn emit_processing_spans(context: &OperationContext, recorded: &[Recorded]) {
    for entry in recorded {
        let span = tracing::info_span!(
            target: PROCESSING_TARGET,
            "processing",
            otel.name = %format_args!("{} case", entry.action),
            dpl.core.processing_activity_id = %context.processing_activity_id,
            dpl.core.data_subject_id = %entry.data_subject_id,
            dpl.core.data_subject_id_type = DATA_SUBJECT_ID_TYPE,
            maatwerk.action = %entry.action,
            maatwerk.case_id = %entry.case_id.0,
            maatwerk.operation_id = %context.operation_id,
            maatwerk.operation_name = context.operation_name.as_deref(),
        );
        // Entered and left at once: the processing itself happened in the operation's span.
        drop(span.entered());
    }
}
