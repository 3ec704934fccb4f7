//! Human frame strings, parsed against the seed's own output.
//!
//! Every expected hex string in `SEED_ACCEPTS` is what the seed's
//! `makeframefromhumanstring` produced for that string, run under Python 2.7
//! with Mercurial 4.8's helpers (the seed's era) and, where Python 2 and 3
//! agree, also under `../shared/oracle` (Python 3). `EXTENSIONS` are strings
//! the seed refuses and hgframe accepts; `docs/deviations.md` lists why.

use hgframe::cbor::Value;
use hgframe::text::{format_human, format_literal, parse_human, parse_literal};

/// (human string, the seed's frame bytes)
const SEED_ACCEPTS: &[(&str, &str)] = &[
    (
        r#"1 1 0 1 0 cbor:{b'foo': b'val1', b'bar': b'val2'}"#,
        "1300000100010010a2436261724476616c3243666f6f4476616c31",
    ),
    (
        r#"1 1 stream-begin command-request new cbor:{b'name': b'x'}"#,
        "0800000100010111a1446e616d654178",
    ),
    (
        r#"1 1 stream-begin command-request new "#,
        "0000000100010111",
    ),
    (
        r#"1 1 0 command-data eos some data"#,
        "0900000100010022736f6d652064617461",
    ),
    (
        r#"1 1 0 command-data eos data!"#,
        "05000001000100226461746121",
    ),
    (
        r#"1 1 stream-begin|stream-end|encoded command-request new|continuation|more|have-data x"#,
        "010000010001071f78",
    ),
    (
        r#"1 1 stream-begin|8 command-request new|8 x"#,
        "010000010001091978",
    ),
    (
        r#"1 1 0 1 0 \x00\x01\xff\\\n\t\r\a\b\f\v\'\""#,
        "0d000001000100100001ff5c0a090d07080c0b2722",
    ),
    (
        r#"1 1 0 1 0 \101\0\7\777\1234"#,
        "0600000100010010410007ff5334",
    ),
    (
        r#"1 1 0 1 0 \q\u1234\N"#,
        "0a000001000100105c715c75313233345c4e",
    ),
    (r#"1 1 0 1 0 a b  c"#, "0600000100010010612062202063"),
    (r#"1 1 0 1 0 cbor:1"#, "010000010001001001"),
    (r#"1 1 0 1 0 cbor:-1"#, "010000010001001020"),
    (r#"1 1 0 1 0 cbor:23"#, "010000010001001017"),
    (r#"1 1 0 1 0 cbor:24"#, "02000001000100101818"),
    (r#"1 1 0 1 0 cbor:255"#, "020000010001001018ff"),
    (r#"1 1 0 1 0 cbor:256"#, "0300000100010010190100"),
    (r#"1 1 0 1 0 cbor:65535"#, "030000010001001019ffff"),
    (r#"1 1 0 1 0 cbor:65536"#, "05000001000100101a00010000"),
    (r#"1 1 0 1 0 cbor:4294967295"#, "05000001000100101affffffff"),
    (
        r#"1 1 0 1 0 cbor:4294967296"#,
        "09000001000100101b0000000100000000",
    ),
    (r#"1 1 0 1 0 cbor:-24"#, "010000010001001037"),
    (r#"1 1 0 1 0 cbor:-25"#, "02000001000100103818"),
    (r#"1 1 0 1 0 cbor:-257"#, "0300000100010010390100"),
    (
        r#"1 1 0 1 0 cbor:9223372036854775807"#,
        "09000001000100101b7fffffffffffffff",
    ),
    (
        r#"1 1 0 1 0 cbor:-9223372036854775808"#,
        "09000001000100103b7fffffffffffffff",
    ),
    (
        r#"1 1 0 1 0 cbor:18446744073709551615"#,
        "09000001000100101bffffffffffffffff",
    ),
    (
        r#"1 1 0 1 0 cbor:-18446744073709551616"#,
        "09000001000100103bffffffffffffffff",
    ),
    (r#"1 1 0 1 0 cbor:True"#, "0100000100010010f5"),
    (r#"1 1 0 1 0 cbor:False"#, "0100000100010010f4"),
    (r#"1 1 0 1 0 cbor:None"#, "0100000100010010f6"),
    (r#"1 1 0 1 0 cbor:[]"#, "010000010001001080"),
    (r#"1 1 0 1 0 cbor:()"#, "010000010001001080"),
    (r#"1 1 0 1 0 cbor:{}"#, "0100000100010010a0"),
    (
        r#"1 1 0 1 0 cbor:[1, b'a', [2, None], (3,)]"#,
        "0900000100010010840141618202f68103",
    ),
    (
        r#"1 1 0 1 0 cbor:{b'b': 1, b'a': 2, b'aa': 3, b'': 4}"#,
        "0d00000100010010a4400441610242616103416201",
    ),
    (
        r#"1 1 0 1 0 cbor:{1: b'a', True: b'b'}"#,
        "0400000100010010a1014162",
    ),
    (
        r#"1 1 0 1 0 cbor:{True: b'a', 1: b'b'}"#,
        "0400000100010010a1f54162",
    ),
    (
        r#"1 1 0 1 0 cbor:{(1, 2): b'x', (1,): b'y'}"#,
        "0a00000100010010a2810141798201024178",
    ),
    (
        r#"1 1 0 1 0 cbor:{None: 1, False: 2, 3: 4}"#,
        "0700000100010010a3f601f4020304",
    ),
    (
        r#"1 1 0 1 0 cbor:{b'x': 1, 2: 3}"#,
        "0600000100010010a20203417801",
    ),
    (r#"1 1 0 1 0 cbor:'abc'"#, "040000010001001043616263"),
    (r#"1 1 0 1 0 cbor:b'\x00\n\\'"#, "040000010001001043000a5c"),
    (r#"1 1 0 1 0 cbor:b'a' b'b'"#, "0300000100010010426162"),
    (r#"1 1 0 1 0 cbor:b"dq""#, "0300000100010010426471"),
    (r#"1 1 0 1 0 cbor:br'\x00'"#, "0500000100010010445c783030"),
    (
        r#"1 1 0 1 0 cbor:b'''tri'ple'''"#,
        "08000001000100104774726927706c65",
    ),
    (r#"1 1 0 1 0 cbor:0x10"#, "010000010001001010"),
    (r#"1 1 0 1 0 cbor:0o17"#, "01000001000100100f"),
    (r#"1 1 0 1 0 cbor:0b101"#, "010000010001001005"),
    (r#"1 1 0 1 0 cbor:017"#, "01000001000100100f"),
    (r#"1 1 0 1 0 cbor:[1, 2,]"#, "0300000100010010820102"),
    (
        r#"1 1 0 1 0 cbor:{b'a': [1, 2]}"#,
        "0600000100010010a14161820102",
    ),
    (r#"1 1 0 1 0 cbor:1 # comment"#, "010000010001001001"),
    (r#"1 1 0 1 0 cbor:b'\777'"#, "020000010001001041ff"),
    (r#"1 1 0 1 0 cbor:b'\q'"#, "0300000100010010425c71"),
    (r#"01 1 0 1 0 x"#, "010000010001001078"),
    (r#"+1 1 0 1 0 x"#, "010000010001001078"),
    (r#"1 1 0|0 1 0 x"#, "010000010001001078"),
    (r#"1 1 0 1 new|new x"#, "010000010001001178"),
    (r#"1 1 1|2|4|8|16|32|64|128 1 0 x"#, "010000010001ff1078"),
    (
        r#"1 1 0 error-response 0 cbor:{b'type': b'server', b'message': [{b'msg': b'oops'}]}"#,
        "2000000100010050a2476d65737361676581a1436d7367446f6f7073447479706546736572766572",
    ),
    (r#"1 1 0 stream-settings 0 x"#, "010000010001008078"),
    (r#"1 1 0 progress 0 x"#, "010000010001007078"),
    (r#"1 1 0 text-output 0 x"#, "010000010001006078"),
    (
        r#"1 1 0 command-response continuation|eos x"#,
        "010000010001003378",
    ),
    (
        r#"1 1 0 1 new cbor:{b'name': b'x', b'args': {b'k': b'v'}}"#,
        "1200000100010011a24461726773a1416b4176446e616d654178",
    ),
    (r#"1 1 0 1 0 cbor:5L"#, "010000010001001005"),
    (
        r#"1 1 0 1 0 cbor:{9223372036854775808: 1, 1: 2, b'a': 3}"#,
        "1000000100010010a301021b800000000000000001416103",
    ),
    (
        r#"1 1 0 1 0 cbor:{(1, b'a'): 1, (b'a', 1): 2, (None,): 3, ((1,),): 4}"#,
        "1200000100010010a481f6038201416101824161010281810104",
    ),
    (r#"1 1 0 1 0 cbor:b'\xc3\xa9'"#, "030000010001001042c3a9"),
    (r#"1 1 0 1 0 cbor:'é'"#, "030000010001001042c3a9"),
    (
        r#"1 1 0 1 0 cbor:{b'a': 1, b'a': 2}"#,
        "0400000100010010a1416102",
    ),
    (r#"1 1 0 1 0 cbor:0L"#, "010000010001001000"),
    (r#"1 1 0 1 0 cbor:-0"#, "010000010001001000"),
    (r#"1 1 0 1 0 cbor:00"#, "010000010001001000"),
    (r#"1 1 0 1 0 cbor:(1)"#, "010000010001001001"),
    (r#"1 1 0 1 0 cbor:((1,),)"#, "0300000100010010818101"),
    (
        r#"1 1 0 1 0 cbor:{False: 1, 0: 2}"#,
        "0300000100010010a1f402",
    ),
    (
        r#"1 1 0 1 0 cbor:{-1: 1, 1: 2, 0: 3}"#,
        "0700000100010010a3200100030102",
    ),
    (
        r#"1 1 0 1 0 cbor:{b'b': 1, b'ab': 2, b'a\x00': 3}"#,
        "0c00000100010010a34261000342616202416201",
    ),
    (r#"1 1 0 1 0 \xFF\XFF"#, "0500000100010010ff5c584646"),
    (r#"1 1 0 1 0 \8\9"#, "04000001000100105c385c39"),
    (r#"1 1 0 1 0 é"#, "0200000100010010c3a9"),
    (
        r#"1 1 0 1 0 cbor:{(1, True): 1, (True, 1): 2}"#,
        "0500000100010010a18201f502",
    ),
    (r#"1 1 0 1 0 cbor:0xffL"#, "020000010001001018ff"),
    (r#"1 1 0 1 0 cbor:-5L"#, "010000010001001024"),
    ("1\t 1 0 1 0 x", "010000010001001078"),
    ("1 1 0 1\t 0 x", "010000010001001078"),
    ("1 1\n 0 1 0 x", "010000010001001078"),
    ("1 1 0 1 0 cbor:1\n", "010000010001001001"),
    ("1 1 0 1 0 cbor:[1,\n2]", "0300000100010010820102"),
    ("1 1 0 1 0 cbor:\n1", "010000010001001001"),
    ("1 1 0 1 0 cbor:b'a\\\nb'", "0300000100010010426162"),
    ("1 1 0 1 0 cbor:b'''a\nb'''", "040000010001001043610a62"),
    ("1 1 0 1 0 cbor:[1, # c\n 2]", "0300000100010010820102"),
    ("1 1 0 1 0 a\\\nb", "02000001000100106162"),
    ("1 1 0 1 0 cbor:1 \\\n", "010000010001001001"),
    ("1 1 0 1 0 cbor:(b'a'\nb'b')", "0300000100010010426162"),
    (
        r#"1 1 0 1 0 cbor:'\u00e9'"#,
        "0700000100010010465c7530306539",
    ),
    (
        r#"1 1 0 1 0 cbor:'\N{DASH}'"#,
        "0900000100010010485c4e7b444153487d",
    ),
    (r#"1 1 0 1 0 cbor:r'\''"#, "0300000100010010425c27"),
    (r#"1 1 0 1 0 cbor:{1:2,}"#, "0300000100010010a10102"),
    (r#"1 1 0 1 0 cbor:-0x10"#, "01000001000100102f"),
    (r#"1 1 0 1 0 cbor:- 5"#, "010000010001001024"),
    (r#"1 1 0 1 0 cbor:0B1"#, "010000010001001001"),
    (r#"1 1 0 1 0 cbor:0O7"#, "010000010001001007"),
    (r#"1 1 0 1 0 cbor:0X1f"#, "0200000100010010181f"),
    (r#"1 1 0 1 0 cbor:B'x'"#, "02000001000100104178"),
    (r#"1 1 0 1 0 cbor:R'\x'"#, "0300000100010010425c78"),
    (r#"1 1 0 1 0 cbor:bR'x'"#, "02000001000100104178"),
    (r#"1 1 0 1 0 cbor:'a' 'b' "c""#, "040000010001001043616263"),
    (r#"1 1 0 1 0 cbor:"it's""#, "05000001000100104469742773"),
    (
        r#"1 1 0 1 0 cbor:{b'k': {b'n': [{b'x': (1, 2)}]}}"#,
        "0d00000100010010a1416ba1416e81a14178820102",
    ),
    (r#"1 1 0 1 0 cbor:{(): 1}"#, "0300000100010010a18001"),
    (
        r#"1 1 0 1 0 cbor:{((),): 1, (): 2}"#,
        "0600000100010010a28002818001",
    ),
    ("1 1 0 1 0 cbor:1\t", "010000010001001001"),
    ("1 1 0 1 0 cbor:[1]\x0c", "02000001000100108101"),
    (
        r#"1 1 0 1 0 cbor:{18446744073709551615: 1, 9223372036854775807: 2, -9223372036854775809: 3}"#,
        "1f00000100010010a31b7fffffffffffffff023b8000000000000000031bffffffffffffffff01",
    ),
    (
        r#"1 1 0 1 0 cbor:{b'': 1, (): 2, None: 3, True: 4, 5: 6}"#,
        "0b00000100010010a5f603f504050640018002",
    ),
    (r#"1 1 0 1 0 \0\00\000\0000"#, "05000001000100100000000030"),
    (r#"1 1 0 1 0 \400\477"#, "0200000100010010003f"),
    (r#"1 1 0 1 0 cbor"#, "040000010001001063626f72"),
    (r#"1 1 0 1 0 cbor;1"#, "060000010001001063626f723b31"),
    (r#"1 1 0 1 0 CBOR:1"#, "060000010001001043424f523a31"),
    (r#"1 1 0 1 0  cbor:1"#, "07000001000100102063626f723a31"),
    (r#"1 1 0 1 0 cbor:1 "#, "010000010001001001"),
];

/// (human string, hgframe's frame bytes) for strings the seed refuses.
const EXTENSIONS: &[(&str, &str)] = &[
    (r#"65535 255 255 15 15 x"#, "010000ffffffffff78"),
    (r#"1 1 0 0 0 x"#, "010000010001000078"),
    (r#"1 1 0 4 0 x"#, "010000010001004078"),
    (r#"1 1 0 9 0 x"#, "010000010001009078"),
    (r#"1 1 0 1 0 cbor:set()"#, "0400000100010010d9010280"),
    (
        r#"1 1 0 1 0 cbor:{b'b', b'a', b'c'}"#,
        "0a00000100010010d9010283416141624163",
    ),
    (
        r#"1 1 0 1 0 cbor:{1, 3, 2}"#,
        "0700000100010010d9010283010203",
    ),
    (r#"1 1 0 1 0 cbor:{1, True}"#, "0500000100010010d901028101"),
    (r#"1 1 0 1 0 cbor:u'abc'"#, "040000010001001063616263"),
    (r#"1 1 0 1 0 cbor: 1"#, "010000010001001001"),
    (r#"1 1 0 1 0 cbor:-(5)"#, "010000010001001024"),
    (r#"1 1 0 1 0 cbor:+5"#, "010000010001001005"),
    (
        r#"1 1 0 1 0 cbor:{'x': 1, u'y': 2}"#,
        "0700000100010010a2417801617902",
    ),
    (r#"1 1 0 1 0 cbor:rb'x'"#, "02000001000100104178"),
    (
        r#"1 1 0 1 0 cbor:{None, 1, b'x', (1,), False}"#,
        "0b00000100010010d9010285f6f40141788101",
    ),
    (r#"1 1 0 1 0 cbor:u'\u00e9'"#, "030000010001001062c3a9"),
    ("1 1 0 1 0 cbor:\t1", "010000010001001001"),
];

/// (human string, the field the error must name) for strings both refuse.
const REFUSED: &[(&str, &str)] = &[
    (r#"1 1 stream-begin command-request new"#, "payload"),
    (r#"65536 1 0 1 0 x"#, "request id"),
    (r#"1 256 0 1 0 x"#, "stream id"),
    (r#"1 1 256 1 0 x"#, "stream flags"),
    (r#"1 1 0 16 0 x"#, "frame type"),
    (r#"1 1 0 command-data new x"#, "frame flags"),
    (r#"1 1 0 command-request eos x"#, "frame flags"),
    (r#"1 1 foo command-request new x"#, "stream flags"),
    (r#"1 1 0 bogus new x"#, "frame type"),
    (r#"1 1 0 1 0 \x4"#, "payload"),
    (r#"1 1 0 1 0 abc\"#, "payload"),
    (r#"1 1 0 1 0 cbor:"#, "payload"),
    (r#"1 1 0 1 0 cbor:18446744073709551616"#, "payload"),
    (r#"1 1 0 1 0 cbor:-18446744073709551617"#, "payload"),
    (r#"1 1 0 1 0 cbor:1.5"#, "payload"),
    (r#"1 1 0 1 0 cbor:1j"#, "payload"),
    (r#"1 1 0 1 0 cbor:{[1]: 2}"#, "payload"),
    (r#"1 1 0 1 0 cbor:{b'a'"#, "payload"),
    (r#"1 1 0 1 0 cbor:b'abc"#, "payload"),
    (r#"1 1 0 1 0 cbor:foo"#, "payload"),
    (r#"1 1 0 1 0 cbor:--5"#, "payload"),
    (r#"1 1 0 1 0 cbor:-True"#, "payload"),
    (r#"1 1 0 1 0 cbor:1_000"#, "payload"),
    (r#"1 1 0 1 0 cbor:{b'x': set([1])}"#, "payload"),
    (r#" 1 1 0 1 0 x"#, "request id"),
    (r#"-1 1 0 1 0 x"#, "request id"),
    (r#"1 1 0 1 0| x"#, "frame flags"),
    (r#"1 1 0 1 0 cbor:{2**3: 1}"#, "payload"),
    (r#"1 1 0 1 0 cbor:ur'x'"#, "payload"),
    (r#"1 1 0 1 0 cbor:08"#, "payload"),
    (r#"1 1 0 1 0 cbor:0x"#, "payload"),
    (r#"1 1 0 1 0 cbor:{1: 2}{3: 4}"#, "payload"),
    (r#"1 1 0 1 0 cbor:[1 2]"#, "payload"),
    (r#"1 1 0 1 0 cbor:b'a\"#, "payload"),
    (r#"1 1 0 1 0 \x4g"#, "payload"),
    (r#"1 1 0 1 0 \"#, "payload"),
    (r#"1 1 0 1 0 cbor:1.0"#, "payload"),
    (r#"1 1 0 1 0 cbor:1e5"#, "payload"),
    (r#"1 1 0 1 0 cbor:.5"#, "payload"),
    (
        r#"1 1 stream-begin\t command-request new x"#,
        "stream flags",
    ),
    (r#"1 1 0\t 1 0 x"#, "stream flags"),
    (r#"1\t 1 0 1 0 x"#, "request id"),
    (r#"1 1 0 1 0 cbor:1\n"#, "payload"),
    (r#"1 1 0 1 0 cbor:[1,\n2]"#, "payload"),
    ("1 1 stream-begin\t command-request new x", "stream flags"),
    ("1 1 0 1 0 cbor:b'a\nb'", "payload"),
    ("1 1 0 1 0 cbor:b'a'\nb'b'", "payload"),
    (r#"1 1 0 1 0 cbor:b'\x4'"#, "payload"),
    (r#"1 1 0 1 0 cbor:r'\'"#, "payload"),
    (r#"1 1 0 1 0 cbor:[]]"#, "payload"),
    (r#"1 1 0 1 0 cbor:{,}"#, "payload"),
    (r#"1 1 0 1 0 cbor:(,)"#, "payload"),
    (r#"1 1 0 1 0 cbor:[,]"#, "payload"),
    (r#"1 1 0 1 0 cbor:True False"#, "payload"),
    (r#"1 1 0 1 0 cbor:'''x''''"#, "payload"),
    (r#"1 1 0 1 0 cbor:{(1, [2]): 1}"#, "payload"),
    (r#"1 1 0 1 0 cbor:{{}: 1}"#, "payload"),
    (
        r#"1 1 0 1 0 cbor:99999999999999999999999999999999999999999"#,
        "payload",
    ),
    (r#"1 1 0 1 0 \x\"#, "payload"),
    (r#"1 1 0 1 0 \xG0"#, "payload"),
];

fn encode(human: &str) -> String {
    let frame = parse_human(human).unwrap_or_else(|e| panic!("{human:?}: {e}"));
    hex::encode(frame.to_bytes().unwrap())
}

#[test]
fn seed_accepts_give_the_seeds_bytes() {
    for (human, expected) in SEED_ACCEPTS {
        assert_eq!(encode(human), *expected, "human string {human:?}");
    }
}

#[test]
fn extensions_give_documented_bytes() {
    for (human, expected) in EXTENSIONS {
        assert_eq!(encode(human), *expected, "human string {human:?}");
    }
}

#[test]
fn refused_strings_name_the_field() {
    for (human, field) in REFUSED {
        let err = parse_human(human).expect_err(human);
        assert_eq!(
            err.field.to_string(),
            *field,
            "human string {human:?}: {err}"
        );
        // The message names the field too.
        assert!(err.to_string().contains(field), "{err}");
    }
}

#[test]
fn printer_round_trips_every_accepted_string() {
    for (human, expected) in SEED_ACCEPTS.iter().chain(EXTENSIONS) {
        let bytes = hex::decode(expected).unwrap();
        let frame = hgframe::frame::read_frame(&mut &bytes[..], &Default::default())
            .unwrap()
            .unwrap();
        let printed = format_human(&frame);
        assert_eq!(
            encode(&printed),
            *expected,
            "{human:?} printed as {printed:?}"
        );
    }
}

#[test]
fn errors_say_what_was_expected() {
    use hgframe::text::{Field, HumanErrorKind, LiteralErrorKind};
    let err = |s: &str| parse_human(s).unwrap_err();

    let e = err("1 1 0 1 0");
    assert_eq!(
        (e.field, e.kind),
        (Field::Payload, HumanErrorKind::Missing { found: 5 })
    );
    let e = err("1 1");
    assert_eq!(
        (e.field, e.kind),
        (Field::StreamFlags, HumanErrorKind::Missing { found: 2 })
    );

    let e = err("1 1 0 command-reqest new x");
    assert_eq!((e.field, e.offset), (Field::FrameType, 6));
    assert!(
        e.to_string()
            .contains("one of command-request, command-data"),
        "{e}"
    );

    // A flag name that exists, but for another frame type.
    let e = err("1 1 0 command-response new x");
    assert_eq!((e.field, e.offset), (Field::Flags, 23));
    assert_eq!(
        e.kind,
        HumanErrorKind::NotAnInteger {
            found: "new".into(),
            names: hgframe::frame::FlagTable::FLAGS_COMMAND_RESPONSE.flags
        }
    );
    // The offset points at the bad part of a `|` list.
    assert_eq!(err("1 1 stream-begin|bogus 1 0 x").offset, 17);

    let e = err("1 1 0 1 20 x");
    assert_eq!(
        e.kind,
        HumanErrorKind::OutOfRange {
            value: "20".into(),
            max: 15
        }
    );
    let e = err("70000 1 0 1 0 x");
    assert_eq!(
        e.kind,
        HumanErrorKind::OutOfRange {
            value: "70000".into(),
            max: 65535
        }
    );

    let e = err("1 1 0 1 0 cbor:{b'name': b'x");
    assert_eq!(e.field, Field::Payload);
    match e.kind {
        HumanErrorKind::Literal(lit) => {
            assert_eq!(lit.kind, LiteralErrorKind::UnterminatedString);
            assert_eq!(lit.offset, 10);
        }
        other => panic!("{other:?}"),
    }
    // Offsets in literal errors count from the start of the human string.
    assert_eq!(err("1 1 0 1 0 cbor:[1, foo]").offset, 19);
}

#[test]
fn printer_forms() {
    let print = |hex_frame: &str| {
        let bytes = hex::decode(hex_frame).unwrap();
        let frame = hgframe::frame::read_frame(&mut &bytes[..], &Default::default())
            .unwrap()
            .unwrap();
        format_human(&frame)
    };
    // Named flags lowest bit first, unnamed bits as one integer, zero as 0.
    assert_eq!(
        print("010000010001f91f78"),
        "1 1 stream-begin|248 command-request new|continuation|more|have-data x"
    );
    assert_eq!(
        print("0100000100010d2f78"),
        "1 1 stream-begin|encoded|8 command-data continuation|eos|12 x"
    );
    assert_eq!(print("0000000100010000"), "1 1 0 0 0 ");
    // A type the seed has no flag table for: numeric flags.
    assert_eq!(print("000000010001009f"), "1 1 0 9 15 ");
    // Raw bytes that start with "cbor:" must not be read as a literal.
    assert_eq!(
        print("060000010001001063626f723a31"),
        r"1 1 0 command-request 0 \x63bor:1"
    );
    // Non-canonical CBOR (1 encoded in two bytes) stays escaped bytes.
    assert_eq!(
        print("02000001000100101801"),
        r"1 1 0 command-request 0 \x18\x01"
    );
    // Two CBOR values are not one.
    assert_eq!(
        print("02000001000100100101"),
        r"1 1 0 command-request 0 \x01\x01"
    );
    // Canonical CBOR, including a tuple key and an empty set.
    assert_eq!(
        print("0a00000100010010a2810141798201024178"),
        "1 1 0 command-request 0 cbor:{(1,): b'y', (1, 2): b'x'}"
    );
    assert_eq!(
        print("0400000100010010d9010280"),
        "1 1 0 command-request 0 cbor:set()"
    );
    // Escapes in byte strings and escaped payloads.
    assert_eq!(
        print("0500000100010010440a5c27ff"),
        r"1 1 0 command-request 0 cbor:b'\n\\\'\xff'"
    );
    assert_eq!(
        print("04000001000100100a5c27ff"),
        r"1 1 0 command-request 0 \n\\'\xff"
    );
}

#[test]
fn python_2_tokenizer_and_int_rules() {
    // Confirmed with the seed under Python 2.7.
    let rows = [
        ("1 1 0 1 0 cbor:'''a\rb'''", "040000010001001043610a62"),
        ("1 1 0 1 0 cbor:'''a\r\nb'''", "040000010001001043610a62"),
        ("1 1 0 1 0 cbor:[1, # c\r2]", "0300000100010010820102"),
        ("1 1 0 1 0 cbor:'a\\\r\nb'", "0300000100010010426162"),
        ("1 1 0 1 0 cbor:\u{feff}1", "010000010001001001"),
        ("+\t1 1 0 1 0 x", "010000010001001078"),
        ("1 1 -\t0 1 0 x", "010000010001001078"),
    ];
    for (human, expected) in rows {
        assert_eq!(encode(human), expected, "{human:?}");
    }
    for refused in ["1 1 0 1 0 cbor:'a\rb'", "1 1 0 1 0 cbor:'a\0b'"] {
        assert!(parse_human(refused).is_err(), "{refused:?}");
    }
    // Offsets point into the string as given, before newline normalization.
    let err = parse_human("1 1 0 1 0 cbor:[1,\r\n\r\n foo]").unwrap_err();
    assert_eq!(err.offset, 15 + 8);
}

/// Python 2.7's `repr` of a unicode string escapes each character by its
/// size: `\xhh`, `\uhhhh`, `\Uhhhhhhhh` (Python 2.7 gives
/// `u'\xe9\u0100\u20ac\U0001f600'` for these).
#[test]
fn literals_escape_text_by_character_size() {
    let value = Value::Text("\u{e9}\u{100}\u{20ac}\u{1f600}".into());
    assert_eq!(
        format_literal(&value).unwrap(),
        r"u'\xe9\u0100\u20ac\U0001f600'"
    );
}

/// Literal forms at the edges of the parser's paths (found by `cargo
/// mutants`, docs/mutants.md). The values are Python 2.7's
/// `ast.literal_eval`; where Python 2 reads a float or refuses, the kind is
/// the parser's own error for it.
#[test]
fn literal_parser_edges() {
    use hgframe::text::pyliteral::LiteralErrorKind as K;
    let ok = |src: &str| parse_literal(src).unwrap_or_else(|e| panic!("{src:?}: {e}"));
    let kind = |src: &str| match parse_literal(src) {
        Ok(v) => panic!("{src:?} parsed as {v:?}"),
        Err(e) => e.kind,
    };
    let list = |items: &[i128]| Value::Array(items.iter().map(|&i| Value::Int(i)).collect());
    // A backslash-newline inside brackets continues the line.
    assert_eq!(ok("[1,\\\n 2]"), list(&[1, 2]));
    assert_eq!(ok("[1, \\\n\\\n 2]"), list(&[1, 2]));
    assert_eq!(ok("[10, 20,\\\n 30]"), list(&[10, 20, 30]));
    // A lone quote inside a triple-quoted string does not end it.
    assert_eq!(ok("b'''a'b'''"), Value::bytes("a'b"));
    assert_eq!(ok("b'''a''b'''"), Value::bytes("a''b"));
    // Adjacent text strings concatenate, as adjacent byte strings do.
    assert_eq!(ok("u'a' u'b'"), Value::Text("ab".into()));
    // Floats, in every spelling the tokenizer meets.
    for float in ["1e+5", "1E-5", "1.5", ".5", "1e", "1e5"] {
        assert_eq!(kind(float), K::Float, "{float}");
    }
    // A hex literal takes no exponent: 0x1e is 30, and "+5" is left over
    // (Python 2: malformed string).
    assert_eq!(kind("0x1e+5"), K::TrailingInput);
    assert!(
        matches!(kind("0x"), K::InvalidNumber(_)),
        "{:?}",
        kind("0x")
    );
    assert!(matches!(kind("0b"), K::InvalidNumber(_)));
    // An exponent's sign is part of the token, also where the token is no
    // number at all (Python 2: invalid syntax).
    assert_eq!(kind("0b1e+5"), K::InvalidNumber("0b1e+5".into()));
    // A dot that starts no number, a name, a character that starts nothing.
    assert!(
        matches!(kind(".x"), K::Unexpected { .. }),
        "{:?}",
        kind(".x")
    );
    assert!(matches!(kind("_x"), K::UnknownName(_)), "{:?}", kind("_x"));
    assert!(matches!(kind("@"), K::Unexpected { .. }), "{:?}", kind("@"));
    // Python 2 knows \N{...} by the Unicode database, which hgframe lacks:
    // refused, not kept as a backslash and an N.
    assert!(matches!(kind(r"u'\N{EM DASH}'"), K::InvalidEscape(_)));
    assert_eq!(ok(r"b'\N'"), Value::bytes(r"\N"));
}

/// The nesting limit: exactly `MAX_LITERAL_DEPTH` brackets deep is
/// accepted, one more is refused, and closing a bracket gives its level back
/// (siblings do not add up).
#[test]
fn literal_depth_limit() {
    use hgframe::text::pyliteral::{LiteralErrorKind, MAX_LITERAL_DEPTH};
    let nest = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
    assert!(parse_literal(&nest(MAX_LITERAL_DEPTH)).is_ok());
    assert_eq!(
        parse_literal(&nest(MAX_LITERAL_DEPTH + 1))
            .unwrap_err()
            .kind,
        LiteralErrorKind::TooDeep
    );
    let siblings = format!("[{}]", vec![nest(2); MAX_LITERAL_DEPTH * 3].join(", "));
    assert!(parse_literal(&siblings).is_ok());
    let deep_siblings = format!("[{}]", vec![nest(MAX_LITERAL_DEPTH - 1); 3].join(", "));
    assert!(parse_literal(&deep_siblings).is_ok());
}

/// Errors point at the offending byte, wherever it sits: in an escape, in a
/// payload's escapes, in a string literal, after a byte-order mark; and a
/// field without names expects "an integer".
#[test]
fn error_offsets_point_at_the_byte() {
    use hgframe::text::unescape;
    assert_eq!(unescape(b"ab\\x4").unwrap_err().offset, 2);
    assert_eq!(unescape(b"a\\").unwrap_err().offset, 1);
    assert_eq!(unescape(b"\\").unwrap_err().offset, 0);
    // The payload starts at byte 10; its escape at byte 12.
    let e = parse_human("1 1 0 1 0 ab\\x4").unwrap_err();
    assert_eq!(e.offset, 12, "{e}");
    // The string's body starts at byte 3; its bad escape at byte 4.
    let e = parse_literal("[b'x\\x4']").unwrap_err();
    assert_eq!(e.offset, 4, "{e}");
    // A NUL after a byte-order mark (3 bytes) and one character.
    assert_eq!(parse_literal("\u{feff}a\0").unwrap_err().offset, 4);
    let e = parse_human("x 1 0 1 0 a").unwrap_err();
    assert_eq!(
        e.to_string(),
        "field `request id` (at byte 0): expected an integer, found \"x\""
    );
}

/// `HumanError::seed_accepts`: frame flags above 15 spill into the type
/// nibble in the seed (makeframe's `(type << 4) | flags` in one byte),
/// which hgframe refuses (docs/deviations.md, entry 4). The seed makes a
/// frame while that byte fits, and fails on a type without a flag table
/// (KeyError) or a byte above 255 (ValueError): Mercurial 4.8 under Python
/// 2.7 gives `01000001000100f078` for the first, `...1078` and `...1178`
/// for the next two, and raises for the last three.
#[test]
fn seed_accepts_knows_where_flags_spill() {
    for (input, seed_makes_a_frame) in [
        ("1 1 0 1 240 x", true),
        ("1 1 0 1 16 x", true),
        ("1 1 0 1 new|16 x", true),
        ("1 1 0 command-data 255 x", true),
        ("1 1 0 1 256 x", false),
        ("1 1 0 1 new|256 x", false),
        ("1 1 0 15 16 x", false),
    ] {
        let e = parse_human(input).unwrap_err();
        assert_eq!(e.seed_accepts(input), seed_makes_a_frame, "{input}: {e}");
    }
}
