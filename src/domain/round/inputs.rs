//! Small parsers the round forms share: slugs, RT lists, scale labels,
//! weights.

use super::*;

/// The URL slug of a round: lowercase ASCII letters and digits joined by
/// single `-`, ending with the year unless the name already does
/// (`Rekrutmen Pokmas 2027` → `rekrutmen-pokmas-2027`). Letters with accents
/// lose them; other characters separate words.
pub fn slugify(name: &str, year: i32) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    for ch in name.chars() {
        let c = fold_accent(ch);
        if c.is_ascii_alphanumeric() {
            cur.push(c.to_ascii_lowercase());
        } else if !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    let y = year.to_string();
    if words.last() != Some(&y) {
        words.push(y);
    }
    let mut slug = words.join("-");
    if slug.len() > 80 {
        slug.truncate(80);
        while slug.ends_with('-') {
            slug.pop();
        }
    }
    slug
}

pub(super) fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' | 'À' | 'Á' | 'Â' | 'Ä' | 'Ã' | 'Å' => 'a',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'Ò' | 'Ó' | 'Ô' | 'Ö' | 'Õ' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ñ' | 'Ñ' => 'n',
        'ç' | 'Ç' => 'c',
        other => other,
    }
}

/// The area of a formation as written in `formations.csv`: `all` or RT numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RtSet {
    /// Every RT of the kelurahan.
    All,
    /// These RT numbers, ascending and without repeats.
    Some(Vec<i32>),
}

impl RtSet {
    /// Parses `all` or RT numbers joined by `;` (`,` and spaces are accepted too;
    /// `012` is RT 12).
    ///
    /// # Errors
    /// A message for an empty list, a non-number, RT 0, or a repeated RT.
    pub fn parse(text: &str) -> Result<RtSet, Msg> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("all") || t.eq_ignore_ascii_case("semua") {
            return Ok(RtSet::All);
        }
        let mut rts = Vec::new();
        for part in t.split([';', ',', ' ']).filter(|p| !p.trim().is_empty()) {
            let n: i32 = part.trim().parse().map_err(|_| {
                Msg::new(
                    format!("«{part}» bukan nomor RT."),
                    format!("«{part}» is not an RT number."),
                )
            })?;
            if !(1..=9999).contains(&n) {
                return Err(Msg::new(
                    format!("Nomor RT {n} tidak valid (mulai dari 1)."),
                    format!("RT number {n} is not valid (they start at 1)."),
                ));
            }
            if rts.contains(&n) {
                return Err(Msg::new(
                    format!("RT {n} disebut dua kali."),
                    format!("RT {n} is listed twice."),
                ));
            }
            rts.push(n);
        }
        if rts.is_empty() {
            return Err(Msg::new(
                "Sebutkan nomor RT (mis. 1;2;3) atau «all» untuk seluruh kelurahan.",
                "List the RT numbers (e.g. 1;2;3) or «all» for the whole kelurahan.",
            ));
        }
        rts.sort_unstable();
        Ok(RtSet::Some(rts))
    }

    /// The `formations.csv` spelling: `all` or `1;2;3`.
    pub fn to_csv(&self) -> String {
        match self {
            RtSet::All => "all".into(),
            RtSet::Some(v) => v.iter().map(i32::to_string).collect::<Vec<_>>().join(";"),
        }
    }
}

/// The label of one point of a criterion's scale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PointLabel {
    pub id: String,
    pub en: String,
}

/// Largest number of points for which every point must carry a label; wider
/// scales (e.g. a 0–100 written test) label only the points given.
pub const FULLY_LABELLED_POINTS: i64 = 11;

/// Parses scale labels typed one per line as `point = Indonesian | English`
/// (`3 = Cukup | Adequate`; the English part may be left out).
///
/// # Errors
/// A message for a malformed line, a point outside `min..=max` or given twice,
/// or — on scales of at most [`FULLY_LABELLED_POINTS`] points — a point without a label.
pub fn parse_scale_labels(
    text: &str,
    min: i64,
    max: i64,
) -> Result<BTreeMap<i64, PointLabel>, Msg> {
    let mut out = BTreeMap::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((point, rest)) = line.split_once('=') else {
            return Err(Msg::new(
                format!("Baris «{line}»: tulis seperti «3 = Cukup | Adequate»."),
                format!("Line «{line}»: write it like «3 = Cukup | Adequate»."),
            ));
        };
        let p: i64 = point.trim().parse().map_err(|_| {
            Msg::new(
                format!("Baris «{line}»: «{}» bukan angka.", point.trim()),
                format!("Line «{line}»: «{}» is not a number.", point.trim()),
            )
        })?;
        if !(min..=max).contains(&p) {
            return Err(Msg::new(
                format!("Nilai {p} di luar skala {min}–{max}."),
                format!("Point {p} is outside the scale {min}–{max}."),
            ));
        }
        let (id, en) = match rest.split_once('|') {
            Some((a, b)) => (a.trim(), b.trim()),
            None => (rest.trim(), ""),
        };
        if id.is_empty() {
            return Err(Msg::new(
                format!("Nilai {p} belum diberi keterangan."),
                format!("Point {p} has no label."),
            ));
        }
        let label = PointLabel {
            id: id.to_owned(),
            en: if en.is_empty() { id } else { en }.to_owned(),
        };
        if out.insert(p, label).is_some() {
            return Err(Msg::new(
                format!("Nilai {p} diberi keterangan dua kali."),
                format!("Point {p} is labelled twice."),
            ));
        }
    }
    if max - min < FULLY_LABELLED_POINTS
        && let Some(p) = (min..=max).find(|p| !out.contains_key(p))
    {
        return Err(Msg::new(
            format!("Setiap nilai skala {min}–{max} perlu keterangan; nilai {p} belum ada."),
            format!("Every point of the scale {min}–{max} needs a label; {p} has none."),
        ));
    }
    Ok(out)
}

/// Writes labels back in the form [`parse_scale_labels`] reads.
pub fn format_scale_labels(labels: &BTreeMap<i64, PointLabel>) -> String {
    labels
        .iter()
        .map(|(p, l)| format!("{p} = {} | {}", l.id, l.en))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Labels as stored in `criterion.scale_labels`: `{"<point>": {"id": …, "en": …}}`.
pub fn scale_labels_json(labels: &BTreeMap<i64, PointLabel>) -> String {
    let map: serde_json::Map<String, serde_json::Value> = labels
        .iter()
        .map(|(p, l)| (p.to_string(), serde_json::json!({ "id": l.id, "en": l.en })))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// Reads `criterion.scale_labels`; anything unreadable yields no labels.
pub fn scale_labels_from_json(text: &str) -> BTreeMap<i64, PointLabel> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text) else {
        return BTreeMap::new();
    };
    map.iter()
        .filter_map(|(k, v)| {
            Some((
                k.parse().ok()?,
                PointLabel {
                    id: v.get("id")?.as_str()?.to_owned(),
                    en: v.get("en")?.as_str()?.to_owned(),
                },
            ))
        })
        .collect()
}

/// What the criteria form says about the weights: `None` when they sum to 100.
pub fn weight_shortfall(sum: i64) -> Option<Msg> {
    match sum.cmp(&100) {
        std::cmp::Ordering::Equal => None,
        std::cmp::Ordering::Less => Some(Msg::new(
            format!("Total bobot {sum}; kurang {}.", 100 - sum),
            format!("Weights total {sum}; {} missing.", 100 - sum),
        )),
        std::cmp::Ordering::Greater => Some(Msg::new(
            format!("Total bobot {sum}; lebih {}.", sum - 100),
            format!("Weights total {sum}; {} too many.", sum - 100),
        )),
    }
}
