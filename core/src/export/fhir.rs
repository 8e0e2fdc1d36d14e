//! Assessments as FHIR R4 `QuestionnaireResponse` resources in a `collection` Bundle, coded
//! with LOINC (panel, items, answers and total score), for handing to a clinician's system.

use chrono::{DateTime, FixedOffset};
use serde_json::{json, Value};

use crate::assessments::{self, instruments::OPTIONS, AssessmentResult};
use crate::error::Result;
use crate::store::Store;

/// LOINC answer codes for "Not at all" … "Nearly every day" (shared by PHQ-9 and GAD-7).
const ANSWER_CODES: [&str; 4] = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"];

/// One QuestionnaireResponse.
pub fn questionnaire_response(result: &AssessmentResult) -> Value {
    let instrument = result.instrument;
    let (panel, total_code) = instrument.panel_codes();
    let mut items: Vec<Value> = instrument
        .items()
        .iter()
        .zip(instrument.item_codes())
        .zip(&result.answers)
        .map(|((text, code), answer)| {
            let i = usize::from(*answer).min(3);
            json!({
                "linkId": code,
                "text": text,
                "answer": [{ "valueCoding": {
                    "system": "http://loinc.org",
                    "code": ANSWER_CODES[i],
                    "display": OPTIONS[i],
                }}],
            })
        })
        .collect();
    items.push(json!({
        "linkId": total_code,
        "text": format!("{} total score", instrument.name()),
        "answer": [{ "valueInteger": result.total }],
    }));
    json!({
        "resourceType": "QuestionnaireResponse",
        "id": result.id.to_string(),
        "status": "completed",
        "questionnaire": format!("http://loinc.org/q/{panel}"),
        "authored": result.at.to_rfc3339(),
        "item": items,
    })
}

/// Every assessment as a Bundle of type `collection`.
pub fn bundle(store: &Store, now: DateTime<FixedOffset>) -> Result<Value> {
    let entries: Vec<Value> = assessments::all(store)?
        .iter()
        .map(|r| json!({ "fullUrl": format!("urn:uuid:{}", uuid_like(&r.id.to_string())), "resource": questionnaire_response(r) }))
        .collect();
    Ok(json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": now.to_rfc3339(),
        "entry": entries,
    }))
}

fn uuid_like(hex: &str) -> String {
    if hex.len() != 32 {
        return hex.to_owned();
    }
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}
