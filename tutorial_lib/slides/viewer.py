"""The deck's page: inline CSS and a small slide viewer in plain JavaScript (no CDN, no fonts).

Keys: right/space/page-down next, left/page-up back, Home/End, ``s`` speaker
notes, ``t`` starts or resets the block timer (it turns red when the block's
minutes are spent). The slide number lives in the URL (``#5``) so a presenter
can reload or share a position. Printing (and ``--print-to-pdf``) puts one
slide on each 16:9 page.
"""

from __future__ import annotations

import html

CSS = """
*{box-sizing:border-box}
html,body{margin:0;height:100%;background:#1d1f21;font-family:system-ui,-apple-system,"Segoe UI",
Roboto,"Noto Sans",sans-serif}
.slide{position:absolute;left:50%;top:50%;width:1280px;height:720px;margin:-360px 0 0 -640px;
background:#fff;color:#222;padding:56px 72px 64px;display:none;overflow:hidden;
transform-origin:center center}
.slide.active{display:block}
.slide h1{font-size:52px;margin:140px 0 16px;color:#1b4f72}
.slide h2{font-size:38px;margin:0 0 24px;color:#1b4f72;border-bottom:3px solid #d95f02;
padding-bottom:8px}
.slide h3{font-size:28px;margin:12px 0;color:#444}
.slide p,.slide li,.slide td,.slide th,.slide blockquote{font-size:25px;line-height:1.38}
.slide li{margin:4px 0}.slide li li{font-size:22px}
.slide code{font-family:ui-monospace,Menlo,Consolas,monospace;background:#f2f2f2;padding:1px 5px;
border-radius:4px;font-size:.9em}
.slide pre{background:#f6f8fa;padding:14px 18px;border-radius:6px;font-size:20px;overflow:hidden}
.slide pre code{background:none;padding:0}
.slide table{border-collapse:collapse;margin:8px 0}
.slide th,.slide td{border-bottom:1px solid #ccc;padding:6px 14px;text-align:left}
.slide blockquote{border-left:6px solid #d95f02;margin:12px 0;padding:4px 20px;color:#555}
.slide figure{margin:4px 0;text-align:center}
.slide figure img{max-width:100%;max-height:430px}
.slide figcaption{font-size:17px;color:#666}
.slide a{color:#1f6fb2}
.cols{display:flex;gap:40px}.col{flex:1;min-width:0}
.notes{display:none}
body.show-notes .notes{display:block;position:absolute;left:0;right:0;bottom:40px;
background:#fffbe6;border-top:2px solid #e0c060;padding:8px 20px;font-size:18px;white-space:pre-wrap}
footer{position:absolute;left:72px;right:72px;bottom:18px;font-size:15px;color:#888;
display:flex;justify-content:space-between}
#timer{position:fixed;right:12px;top:8px;color:#ccc;font:16px ui-monospace,monospace}
#timer.over{color:#ff6b6b}
@media print{
 @page{size:1280px 720px;margin:0}
 html,body{background:#fff;height:auto}
 .slide{display:block;position:relative;left:0;top:0;margin:0;transform:none!important;
  page-break-after:always;break-after:page}
 #timer,.notes{display:none!important}
}
"""

JS = """
(function(){
  var slides=[].slice.call(document.querySelectorAll('.slide'));
  var cur=0, timerStart=null, timerSection=null;
  var timer=document.getElementById('timer');
  function fit(){
    var s=Math.min(window.innerWidth/1280, window.innerHeight/720);
    slides.forEach(function(el){el.style.transform='scale('+s+')';});
  }
  function show(i){
    cur=Math.max(0,Math.min(slides.length-1,i));
    slides.forEach(function(el,k){el.classList.toggle('active',k===cur);});
    if(location.hash!=='#'+(cur+1)){history.replaceState(null,'','#'+(cur+1));}
    document.body.setAttribute('data-current',String(cur+1));
  }
  function fromHash(){var n=parseInt(location.hash.slice(1),10);show(isNaN(n)?0:n-1);}
  function tick(){
    if(timerStart===null){timer.textContent='';return;}
    var el=slides[cur], budget=parseInt(el.getAttribute('data-minutes'),10)*60;
    var used=Math.floor((Date.now()-timerStart)/1000);
    var m=Math.floor(used/60), s=used%60;
    timer.textContent=timerSection+' '+m+':'+(s<10?'0':'')+s+' / '+(budget/60)+':00';
    timer.classList.toggle('over',used>budget);
  }
  document.addEventListener('keydown',function(e){
    var k=e.key;
    if(k==='ArrowRight'||k===' '||k==='PageDown'){show(cur+1);e.preventDefault();}
    else if(k==='ArrowLeft'||k==='PageUp'){show(cur-1);e.preventDefault();}
    else if(k==='Home'){show(0);}
    else if(k==='End'){show(slides.length-1);}
    else if(k==='s'){document.body.classList.toggle('show-notes');}
    else if(k==='t'){timerStart=timerStart===null?Date.now():null;
      timerSection=slides[cur].getAttribute('data-section');tick();}
  });
  document.addEventListener('click',function(e){
    if(e.target.closest('a')){return;}
    show(e.clientX>window.innerWidth/3?cur+1:cur-1);
  });
  window.addEventListener('resize',fit);
  window.addEventListener('hashchange',fromHash);
  setInterval(tick,1000);
  fit();fromHash();
  window.deck={count:slides.length,show:show,current:function(){return cur+1;}};
})();
"""


def page(title: str, body: str) -> str:
    """A whole HTML document around the rendered slides."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<title>{html.escape(title)}</title><link rel="icon" href="data:,">'
        f'<style>{CSS}</style></head><body>\n<div id="timer"></div>\n{body}\n'
        f"<script>{JS}</script></body></html>\n"
    )
