//! The typed commands of `medley show join`: a line read into an op, `help`, or `quit`.

use medley_live_client::protocol::{Op, Role, UserId};

use super::room::Names;

/// What a typed line asks for.
#[derive(Debug, PartialEq)]
pub enum Input {
    Send(Op),
    Help,
    Quit,
    Nothing,
}

pub const HELP: &str = "\
commands (anything else is sent as a comment):
  say TEXT            comment (for a comment that starts with a command's name)
  react EMOJI         react
  hand up | hand down raise or lower your hand
  accept USER         (moderators) make a raised hand a speaker
  reject USER         (moderators) lower a raised hand
  back USER           (moderators) move a speaker back to the listeners
  mute USER | unmute USER
  remove USER         (moderators) put someone out of the show (they may come back)
  ban USER | unban USER
  mod USER            (the creator) make someone a moderator
  slow SECONDS        (moderators) seconds between two comments of a person; 0 for off
  play [N]            (the creator) play track N of the playlist, or go on playing
  pause | resume | next | prev
  seek SECONDS        jump to a position (or M:SS) of the current track
  end                 (the creator) end the show for everyone
  help                this list
  quit                leave the show
USER is a name as shown in the room (or a user id).";

/// Reads a typed line.
pub fn parse(line: &str, names: &Names) -> Result<Input, String> {
    let line = line.trim();
    if line.is_empty() {
        return Ok(Input::Nothing);
    }
    let (word, rest) = match line.split_once(char::is_whitespace) {
        Some((w, r)) => (w, r.trim()),
        None => (line, ""),
    };
    let user = |what: &str| -> Result<UserId, String> {
        match rest.split_whitespace().collect::<Vec<_>>().as_slice() {
            [one] => Ok(names.find(one)),
            _ => Err(format!("say whom: `{word} USER` ({what})")),
        }
    };
    let nothing_more = |op: Op| {
        if rest.is_empty() {
            Ok(Input::Send(op))
        } else {
            Err(format!("`{word}` takes nothing more"))
        }
    };
    let op = match word.to_ascii_lowercase().as_str() {
        "say" => {
            if rest.is_empty() {
                return Err("say what: `say TEXT`".into());
            }
            Op::Comment { text: rest.into() }
        }
        "react" => match rest {
            "" => return Err("react with what: `react 🔥`".into()),
            emoji => Op::React {
                emoji: emoji.into(),
            },
        },
        "hand" => match rest {
            "up" | "raise" => Op::HandRaise {},
            "down" | "lower" => Op::HandLower {},
            _ => return Err("`hand up` or `hand down`".into()),
        },
        "accept" => Op::HandAccept {
            user: user("make their raised hand a speaker")?,
        },
        "reject" => Op::HandReject {
            user: user("lower their raised hand")?,
        },
        "back" => Op::RoleSet {
            user: user("move them back to the listeners")?,
            role: Role::Listener,
        },
        "mod" => Op::RoleSet {
            user: user("make them a moderator")?,
            role: Role::Moderator,
        },
        "mute" => Op::Mute {
            user: user("mute them")?,
        },
        "unmute" => Op::Unmute {
            user: user("unmute them")?,
        },
        "remove" => Op::Remove {
            user: user("put them out of the show")?,
        },
        "ban" => Op::Ban {
            user: user("ban them from the show")?,
        },
        "unban" => Op::Unban {
            user: user("let them back in")?,
        },
        "slow" => Op::SlowModeSet {
            seconds: rest
                .parse()
                .map_err(|_| "`slow SECONDS`: a whole number of seconds, 0 for off")?,
        },
        "play" => match rest {
            "" => Op::PlaybackPlay {
                index: None,
                position_ms: None,
            },
            n => match n.parse::<usize>() {
                Ok(n) if n >= 1 => Op::PlaybackPlay {
                    index: Some(n - 1),
                    position_ms: None,
                },
                _ => return Err("`play N`: N is a track number, 1 for the first".into()),
            },
        },
        "resume" => {
            return nothing_more(Op::PlaybackPlay {
                index: None,
                position_ms: None,
            })
        }
        "pause" => return nothing_more(Op::PlaybackPause {}),
        "next" => return nothing_more(Op::PlaybackNext {}),
        "prev" | "previous" => return nothing_more(Op::PlaybackPrev {}),
        "seek" => Op::PlaybackSeek {
            position_ms: seconds(rest)
                .ok_or("`seek SECONDS` or `seek M:SS`: where in the current track to go")?,
        },
        "end" => return nothing_more(Op::ShowEnd {}),
        "help" | "?" => return Ok(Input::Help),
        "quit" | "exit" | "leave" => return Ok(Input::Quit),
        _ => Op::Comment { text: line.into() },
    };
    Ok(Input::Send(op))
}

/// `90`, `1:30` or `1:02:03` as milliseconds.
fn seconds(text: &str) -> Option<i64> {
    let mut total: i64 = 0;
    let parts: Vec<&str> = text.split(':').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    for part in parts {
        let n: i64 = part.parse().ok()?;
        if n < 0 {
            return None;
        }
        total = total.checked_mul(60)?.checked_add(n)?;
    }
    total.checked_mul(1_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::show::room::tests::names;

    #[test]
    fn typed_lines_become_ops() {
        let names = names();
        let send = |line: &str| match parse(line, &names) {
            Ok(Input::Send(op)) => op,
            other => panic!("{line}: {other:?}"),
        };
        assert_eq!(
            send("hello there"),
            Op::Comment {
                text: "hello there".into()
            }
        );
        assert_eq!(
            send("say pause"),
            Op::Comment {
                text: "pause".into()
            }
        );
        assert_eq!(send("hand up"), Op::HandRaise {});
        assert_eq!(send("accept cleo"), Op::HandAccept { user: "u3".into() });
        assert_eq!(
            send("back bob"),
            Op::RoleSet {
                user: "u2".into(),
                role: Role::Listener
            }
        );
        assert_eq!(send("ban u9"), Op::Ban { user: "u9".into() });
        assert_eq!(
            send("play 2"),
            Op::PlaybackPlay {
                index: Some(1),
                position_ms: None
            }
        );
        assert_eq!(
            send("seek 1:30"),
            Op::PlaybackSeek {
                position_ms: 90_000
            }
        );
        assert_eq!(send("end"), Op::ShowEnd {});
        assert_eq!(parse("quit", &names), Ok(Input::Quit));
        assert_eq!(parse("  ", &names), Ok(Input::Nothing));
        assert!(parse("accept", &names).unwrap_err().contains("accept USER"));
        assert!(parse("play 0", &names).is_err());
        assert!(parse("seek soon", &names).is_err());
        assert!(parse("hand sideways", &names).is_err());
    }
}
